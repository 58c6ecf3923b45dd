// int arithmetic, precedence (the original's: * / % bind looser than | &),
// unary minus, division, remainder, comparison results
package .phc.test;

class arith
{
    var con;

    void p( var s : string ) { con.16(s); }
    void pi( var i : int ) { con.16(i.toString()); con.16("\n"); }

    void run( var c ) [8]
    {
        con = c;
        var a : int;
        var b : int;
        a = 17;
        b = 5;
        pi( a + b );
        pi( a - b );
        pi( a * b );
        pi( a / b );
        pi( a % b );
        pi( -a );
        pi( 0 - a / b );
        pi( 2 + 3 * 4 );
        pi( (2 + 3) * 4 );
        pi( 6 | 1 * 2 );      // bit operators bind tighter than *: 6 | 1 = 7, 7 * 2
        pi( 12 & 10 );
        pi( 12 ^ 10 );
        pi( ~0 );
        pi( a > b );
        pi( a < b );
        pi( a >= 17 );
        pi( a <= 16 );
        pi( a == 17 );
        pi( a != 17 );
        pi( 0x7fffffff + 1 );  // wraps
        pi( 0xFF000000 );
    }
};
