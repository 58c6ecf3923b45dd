// hello.ph: the smallest Phantom program.
//
// The runner (pvm-run, or the persistent world's boot) creates one object of
// this class and calls its method 8 with the boot object, whose method 16
// prints a string on the console.
package .amber.examples;

class hello
{
    void run( var boot ) [8]
    {
        boot.16("Hello, world!\n");
    }
};
