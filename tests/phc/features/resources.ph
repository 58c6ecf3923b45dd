// import "FILE": the bytes of a file (relative to the source's folder) as a
// string constant, as the library imports its images
package .phc.test;

class resources
{
    void run( var c ) [8]
    {
        var data : string;
        data = import "resources.txt";
        c.16("" + data.length() + " bytes: " + data);
    }
};
