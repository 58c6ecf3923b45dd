// switch: cases, default, break, and real fall-through
package .phc.test;

class switches
{
    var con;
    void p( var s : string ) { con.16(s); }

    void sw( var v : int )
    {
        switch( v )
        {
        case 1:  p("one ");
        case 2:  p("two ");  break;
        case 3:  p("three ");
        default: p("default ");
        case 4:  p("four ");
        }
        p("| ");
    }

    void run( var c ) [8]
    {
        con = c;
        sw(1); sw(2); sw(3); sw(4); sw(5);
        p("\n");
        var s : string;
        s = "b";
        switch( s )
        {
        case "a": p("a"); break;
        case "b": p("b"); break;
        }
        p("\n");
    }
};
