// long, float and double: constants, conversions, arithmetic, comparison
package .phc.test;

class numbers
{
    var con;
    var lf : long;
    void p( var s : string ) { con.16(s); }

    void run( var c ) [8]
    {
        con = c;
        var l : long;
        var f : float;
        var d : double;
        l = 3000000000;
        l = l * 2;
        p("long " + l + "\n");
        lf = l / 7;
        p("field " + lf + " " + (lf > 857142856) + "\n");
        f = 7;
        f = f / 2;
        p("float " + f + "\n");
        d = 1;
        d = d / 8;
        p("double " + d + "\n");
        if( f == 3 ) p("wrong\n"); else p("float != 3\n");
        var i : int;
        i = (int)f;
        p("int of float " + i + "\n");
        l = 0x7fffffff;
        l = l + 1;
        p("no wrap " + l + "\n");
        i = (int)l;
        p("wrap " + i + "\n");
        d = 2.5e2;
        d = d * 0.5 + 1.25;
        p("literals " + d + " " + (1.5f * 2) + " " + (-0.25) + "\n");
        if( d > 126.0 && d < 126.5 ) p("compare ok\n");
        p("shift " + (1 << 10) + " " + (-16 >> 2) + " " + (-16 >>> 28) + "\n");
    }
};
