// throw and try/catch: catching strings, a throw from a called method,
// nested try, rethrow, break out of a try inside a loop
package .phc.test;

class exceptions
{
    var con;
    void p( var s : string ) { con.16(s); }

    void fail( var why : string ) { throw why; }

    int safeDiv( var a : int, var b : int )
    {
        if( b == 0 ) throw "division by zero";
        return a / b;
    }

    void run( var c ) [8]
    {
        con = c;
        try { p("before "); throw "oops"; p("never"); }
        catch( string e ) { p("caught " + e + "\n"); }

        try fail("from a method");
        catch( string e ) p("caught " + e + "\n");

        try {
            try { fail("inner"); }
            catch( string e ) { p("inner caught " + e + ", "); throw "rethrown"; }
        }
        catch( string e ) { p("outer caught " + e + "\n"); }

        var i : int;
        for( i = 0; i < 5; i = i + 1 )
        {
            try { if( i == 2 ) break; p("i=" + i + " "); }
            catch( string e ) { p("no"); }
        }
        p("\n");
        try { p("" + safeDiv(10, 2) + " "); p("" + safeDiv(1, 0)); }
        catch( string e ) { p(e + "\n"); }
        // the catchers of the loop were popped: this throw reaches here
        try { fail("after the loop"); } catch( string e ) { p(e + "\n"); }
    }
};
