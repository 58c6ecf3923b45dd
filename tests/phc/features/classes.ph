// classes: fields, methods returning values, overloads by signature,
// constructors with arguments, calls by numeric ordinal, this
package .phc.test;

import .phc.test.point;

class point
{
    var x : int;
    var y : int;
    var label : string;

    void point( var ax : int, var ay : int ) { x = ax; y = ay; label = "pt"; }
    void point() { x = 0; y = 0; label = "origin"; }

    int getX() { return x; }
    int sum() { return x + y; }
    string describe() { return label + "(" + x + "," + y + ")"; }
    string what( var a : int ) { return "int"; }
    string what( var a : string ) { return "string"; }
    int pinned() [40] { return 40; }
};

class classes
{
    var con;
    void p( var s : string ) { con.16(s); }

    void run( var c ) [8]
    {
        con = c;
        var a : point;
        var b : point;
        a = new point(3, 4);
        b = new point();
        p(a.describe() + " " + b.describe() + "\n");
        p("sum " + a.sum() + " x " + a.getX() + "\n");
        p(a.what(1) + " " + a.what("s") + "\n");
        p("pinned " + a.pinned() + " by ordinal " + a.40() + "\n");
        p(this.self() + "\n");
    }

    string self() { return "this works"; }
};
