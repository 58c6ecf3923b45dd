// counter.ph: a counter that survives crashes.
//
// Nothing here is saved explicitly: the object and its field `count` live in
// the persistent world, which Amber snapshots while it runs. Kill the machine
// at any moment and it comes back with `count` as of the last snapshot, and
// the loop goes on from there. (Under pvm-run, which starts from nothing each
// time, it counts from 1.)
package .amber.examples;

class counter
{
    var count : int;     // a fresh object holds nothing here yet
    var boot;

    void say( var s : string ) { boot.16(s); }

    void run( var _boot ) [8]
    {
        boot = _boot;
        if( count == null ) {
            count = 0;
            say("new counter\n");
        } else
            say("counter resumed at " + count + "\n");

        var i : int;
        for( i = 0; i < 5; i = i + 1 )
        {
            count = count + 1;
            say("count = " + count + "\n");
            boot.21(100);    // sleep 100 ms: time for a snapshot, or a crash
        }
    }
};
