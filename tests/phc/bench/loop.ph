// Sum of 1..10,000,000 with an int local (tests/pvm/bench/b.loop.lua's loop).
package .phc.bench;
class loop
{
    void run( var boot ) [8]
    {
        var s : int;
        var i : int;
        s = 0;
        i = 10000000;
        while( i ) { s = s + i; i = i - 1; }
        boot.16("" + s + "\n");
    }
};
