// Recursive fib(30): 1.6 million calls, each boxing its argument and result.
package .phc.bench;
class fib
{
    int f( var n : int )
    {
        if( n < 2 ) return n;
        return f(n - 1) + f(n - 2);
    }
    void run( var boot ) [8]
    {
        boot.16("" + f(30) + "\n");
    }
};
