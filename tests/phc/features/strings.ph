// string literals, escapes, concatenation (also with numbers), the
// .internal.string methods, equality by value
package .phc.test;

class strings
{
    var con;
    void p( var s : string ) { con.16(s); }

    void run( var c ) [8]
    {
        con = c;
        var s : string;
        var n : int;
        s = "Hello";
        s = s + ", " + "world";
        p(s + "\n");
        n = s.length();
        p("length " + n + "\n");
        p("charAt(1) " + s.charAt(1) + "\n");
        p("substring " + s.substring(7, 5) + "\n");
        p("strstr " + s.strstr("world") + " " + s.strstr("xyz") + "\n");
        if( s == "Hello, world" ) p("equal\n");
        if( s != "hello" ) p("not equal\n");
        p("tab\there, quote \" backslash \\\n");
        p(1 + 2 + "=3\n");
    }
};
