// String building: 20,000 appends of "xy" (every concat copies the string).
package .phc.bench;
class concat
{
    void run( var boot ) [8]
    {
        var s : string;
        var i : int;
        s = "";
        for( i = 0; i < 20000; i = i + 1 ) s = s + "xy";
        boot.16("" + s.length() + "\n");
    }
};
