// extends: inherited fields and methods, overriding keeps the ordinal,
// the parent's default constructor runs first; implements an interface
package .phc.test;

import .phc.test.animal;
import .phc.test.dog;
import .phc.test.speaker;
import .phc.test.shape;
import .phc.test.square;

// calls through a variable of an interface type reach the implementation
interface shape
{
    string name();
    int area();
};

class square implements shape
{
    var side : int;
    void square( var s : int ) { side = s; }
    int perimeter() { return 4 * side; }
    int area() { return side * side; }
    string name() { return "square"; }
};

interface speaker
{
    string speak();
};

class animal
{
    var name : string;
    var legs : int;
    void animal() { legs = 4; name = "animal"; }
    string speak() { return "..."; }
    string intro() { return name + " says " + speak(); }
};

class dog extends animal implements speaker
{
    void dog() { name = "dog"; }
    string speak() { return "woof"; }
    int countLegs() { return legs; }
};

class inherit
{
    var con;
    void p( var s : string ) { con.16(s); }

    void run( var c ) [8]
    {
        con = c;
        var a : animal;
        var d : dog;
        a = new animal();
        d = new dog();
        p(a.intro() + "\n");
        p(d.intro() + "\n");
        p("legs " + d.countLegs() + "\n");
        a = d;
        p("as animal: " + a.speak() + "\n");
        if( d instanceof animal ) p("dog is an animal\n");
        if( !(a instanceof .internal.string) ) p("not a string\n");
        var sh : shape;
        sh = new square(3);
        p(sh.name() + " of area " + sh.area() + "\n");
    }
};
