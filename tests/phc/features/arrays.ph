// arrays of ints, strings and objects: new T[](), subscripts, size()
package .phc.test;

class arrays
{
    var con;
    var ints : int [];
    void p( var s : string ) { con.16(s); }

    void run( var c ) [8]
    {
        con = c;
        var names : string [];
        var i : int;
        ints = new int[]();
        names = new string[]();
        for( i = 0; i < 5; i = i + 1 ) ints[i] = i * i;
        names[0] = "zero"; names[1] = "one";
        var sum : int;
        sum = 0;
        for( i = 0; i < ints.size(); i = i + 1 ) sum = sum + ints[i];
        p("sum " + sum + " size " + ints.size() + "\n");
        p(names[1] + " " + names[0] + "\n");
        var objs : .internal.object [];
        objs = new .internal.object[]();
        objs[0] = names;
        objs[1] = "x";
        p("nested " + ((string [])objs[0])[1] + "\n");
        ints[2] = ints[3] = 7;
        p(ints[2] + " " + ints[3] + "\n");
    }
};
