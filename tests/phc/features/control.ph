// if/else, while, do-while (both forms), for, break, continue
package .phc.test;

class control
{
    var con;
    void p( var s : string ) { con.16(s); }
    void pi( var i : int ) { con.16(i.toString()); con.16(" "); }

    void run( var c ) [8]
    {
        con = c;
        var i : int;
        var j : int;

        if( 1 ) p("if "); else p("else ");
        if( 0 ) p("if "); else p("else ");
        if( 0 ) p("never ");
        p("\n");

        i = 0;
        while( i < 5 ) { pi(i); i = i + 1; }
        p("\n");

        i = 0;
        do { i = i + 1; pi(i); } while( i < 3 );
        p("\n");

        // the original's do PRE while (C) POST: PRE; if !C stop; POST; again
        i = 3; j = 0;
        do { j = j + 1; } while( i ) i = i - 1;
        pi(j);
        p("\n");

        for( i = 0; i < 10; i = i + 1 )
        {
            if( i == 2 ) continue;
            if( i == 6 ) break;
            pi(i);
        }
        p("\n");

        // nested loops: break leaves only the inner one
        for( i = 0; i < 3; i = i + 1 )
            for( j = 0; j < 3; j = j + 1 )
            {
                if( j > i ) break;
                pi(i * 10 + j);
            }
        p("\n");

        // while with continue
        i = 0;
        while( i < 6 ) { i = i + 1; if( i % 2 ) continue; pi(i); }
        p("\n");
    }
};
