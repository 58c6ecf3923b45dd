// notebook.ph: a persistent notebook read from the console.
//
// Each line typed on the console becomes a note; "list" shows the notes,
// "clear" forgets them. The notes are an array in a field of this object, so
// they stay in the persistent world across restarts. When the console has no
// more input (getwc gives a NUL character, which is all pvm-run's console
// ever gives), the notebook lists what it holds and returns.
package .amber.examples;

import .internal.io.tty;

class notebook
{
    var notes : string [];
    var count : int;
    var boot;
    var console : .internal.io.tty;

    void say( var s : string ) { boot.16(s); }

    // one line from the console, without its newline; null when there is no input
    string readLine()
    {
        var line : string;
        var ch : string;
        line = "";
        while( 1 )
        {
            ch = console.getwc();
            if( ch.length() == 0 || ch.charAt(0) == 0 )
            {
                if( line.length() == 0 ) return null;
                return line;
            }
            if( ch == "\n" || ch == "\r" ) return line;
            line = line + ch;
        }
        return line;
    }

    void list()
    {
        var i : int;
        say("notebook: " + count + " note(s)\n");
        for( i = 0; i < count; i = i + 1 )
            say("  " + (i + 1) + ". " + notes[i] + "\n");
    }

    void add( var text : string )
    {
        notes[count] = text;
        count = count + 1;
    }

    void run( var _boot ) [8]
    {
        boot = _boot;
        if( notes == null )
        {
            notes = new string[]();
            count = 0;
            console = new .internal.io.tty();
            add("bought milk");     // the first note comes with the notebook
        }
        var line : string;
        while( 1 )
        {
            say("> ");
            line = readLine();
            if( line :== null ) { say("(no more input)\n"); break; }
            if( line == "list" ) list();
            else if( line == "clear" ) { notes = new string[](); count = 0; }
            else add(line);
        }
        list();
    }
};
