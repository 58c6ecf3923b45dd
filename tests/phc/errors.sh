#!/usr/bin/env bash
# One case per phc diagnostic: the source is compiled as t.ph; stderr must be
# exactly the expected FILE:LINE:COL: error: lines, the status 1, and no .pc
# may be written for a class with errors (while the good classes of the same
# run are written). Cases marked "body" put their text into a method body
# (line 4 of the file).
#   tests/phc/errors.sh [BUILD_DIR]
set -u
shopt -s lastpipe   # check/body at the end of a pipe count in this shell
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
phc=$(cd "$(dirname "$phc")" && pwd)/phc
pc=$(cd "$pc" && pwd)
pass=0; fail=0
roots=$(phc_roots) || { echo "roots do not compile"; echo "0 passed, 1 failed"; exit 1; }

check() {   # NAME EXPECTED (source on stdin)
	local name=$1 want=$2 d=$tmp/e-$1
	mkdir -p "$d/out"
	cat > "$d/t.ph"
	(cd "$d" && "$phc" -o out -I "$roots" -I "$pc" t.ph > /dev/null 2> err); local st=$?
	if [ $st -eq 1 ] && [ "$(cat "$d/err")" = "$want" ] && [ -z "$(ls "$d/out")" ]; then
		pass=$((pass + 1)); echo "ok   $name"
	else
		fail=$((fail + 1)); echo "FAIL $name (status $st, files: $(ls "$d/out"))"
		echo "    want: $want"; sed 's/^/    got:  /' "$d/err"
	fi
}
body() {   # NAME EXPECTED (statements on stdin)
	{ printf 'package .e;\nclass t {\n  void m() {\n'; cat; printf '\n  }\n};\n'; } | check "$@"
}

# ---- lexer ----
printf 'package .e;\n/* open' | check unterminated-comment 't.ph:2:1: error: unterminated comment'
body hex-no-digits 't.ph:4:18: error: hexadecimal constant has no digits' <<< 'var i : int; i = 0x;'
body bad-number 't.ph:4:20: error: bad character '\''z'\'' in number' <<< 'var i : int; i = 12z;'
body too-large 't.ph:4:18: error: integer constant '\''99999999999999999999'\'' is too large' <<< 'var i : int; i = 99999999999999999999;'
body bad-escape 't.ph:4:8: error: unknown escape sequence '\''\q'\''' <<< 'throw "\q";'
body unterminated-string 't.ph:4:7: error: unterminated string constant
t.ph:6:3: error: expected '\'';'\'' before '\''}'\''' <<< 'throw "abc'
body stray-char 't.ph:4:1: error: stray '\''#'\'' in program' <<< '# ;'
printf 'package .e;\n\001' | check stray-byte 't.ph:2:1: error: stray byte 0x01 in program'

# ---- syntax, with recovery: several errors per run ----
body expected-semicolon "t.ph:4:11: error: expected ';' before string constant
t.ph:5:9: error: expected ')' before ';'" <<< 'throw "a" "b";
throw (1;'
body expected-expression "t.ph:4:7: error: expected an expression before ';'" <<< 'throw ;'
body assign-value "t.ph:4:16: error: value assignment '.=' is not supported" <<< 'var a : int; a .= 1;'
body call-non-method 't.ph:4:21: error: call of something that is not a method' <<< 'var a : int[]; a[0] (1);'
body import-expr 't.ph:4:14: error: expected a file name after import, found number '\''5'\''' <<< 'throw import 5;'
body new-void 't.ph:4:7: error: cannot create an object of type void' <<< 'throw new void();'
body new-star-args "t.ph:4:7: error: 'new *(class)' takes no constructor arguments" <<< 'throw new *(this.getClass())(1);'
body foreach 't.ph:4:1: error: foreach is not supported' <<< 'foreach( x in y ) ;'
body case-outside "t.ph:4:1: error: 'case' outside of a switch" <<< 'case 1: ;'
body else-alone "t.ph:4:1: error: 'else' without 'if'" <<< 'else ;'
body computed-type "t.ph:4:9: error: computed types ('*expr') are not supported" <<< 'var x : *y;'
body container-class "t.ph:4:15: error: specific container classes ('[class]') are not supported" <<< 'var x : int [ .a.b ];'
body deep-nesting 't.ph:4:206: error: expression nested too deeply' < <(printf 'throw %s1;' "$(printf '(%.0s' $(seq 500))")
body deep-blocks 't.ph:4:401: error: statements nested too deeply' < <(printf '%s' "$(printf '{%.0s' $(seq 500))")
printf 'package .e;\nclass t {\n  void m() {\n    switch (1) {\n' | check switch-open "t.ph:4:16: error: switch is not closed by '}'"
printf 'package .e;\nclass t {\n  void m() {\n' | check block-open "t.ph:3:12: error: block is not closed by '}'"
printf 'package .e;\ninterface t {\n  var x;\n};\n' | check interface-field 't.ph:3:7: error: an interface cannot have fields'
printf 'package .e;\ninterface t extends q {\n};\n' | check interface-extends 't.ph:2:21: error: an interface cannot extend a class'
printf 'package .e;\nclass t {\n  int t() { }\n};\n' | check ctor-void 't.ph:3:7: error: a constructor must be declared void'
printf 'package .e;\nclass t {\n  void m(x) { }\n};\n' | check arg-var "t.ph:3:10: error: expected 'var' in the argument list before 'x'"
printf 'package .e;\nclass t {\n  void m(var x, var x) { }\n};\n' | check arg-duplicate "t.ph:3:17: error: duplicate argument 'x'"
printf 'package .e;\nclass t {\n  void m() [x] { }\n};\n' | check ordinal-expected "t.ph:3:13: error: expected a method ordinal before 'x'"
printf 'package .e;\nclass t {\n  void m() [70000] { }\n};\n' | check ordinal-large 't.ph:3:13: error: method ordinal is too large (at most 65535)'
printf 'package .e;\nclass t {\n  void m() { this.99999999999(); }\n};\n' | check call-ordinal-large 't.ph:3:19: error: method ordinal too large'
printf 'class t {\n};\n' | check no-package "t.ph:1:7: error: relative class name 't' but no package was declared"
printf 'package .e;\nclass t {\n};\nclass T {\n};\n' | check defined-twice 't.ph:4:7: error: class '\''.e.T'\'' is defined twice (first at t.ph:2)'
printf 'package .e;\npackage .f;\nclass t {\n};\n' | check package-twice 't.ph:2:1: error: package is already declared as .e'
printf 'package .e;\nimport "f";\n' | check import-file 't.ph:2:8: error: import of a file is an expression, not a declaration'
printf 'package .e;\nimport e.f;\n' | check import-relative "t.ph:2:8: error: import must use an absolute name (starting with '.')"
printf 'package .e;\nimport .e.*;\n' | check import-wildcard 't.ph:2:1: error: wildcard imports are not supported'
printf 'package .e;\nvoid;\n' | check top-level "t.ph:2:1: error: expected a class, package, import or attribute before 'void'"
printf 'package .e;\nclass t {\n  void ;\n};\n' | check expected-name "t.ph:3:8: error: expected a name before ';'"
printf 'package .e;\nclass t {\n  var x : 5;\n};\n' | check expected-class-name "t.ph:3:11: error: expected a class name before number '5'"

printf 'package .e;\nclass ."../x" {\n};\n' | check quoted-name 't.ph:2:8: error: a quoted part of a class name must be a plain name'
printf 'package .e;\nclass t {\n  var x : %s;\n};\n' "$(printf 'a.%.0s' $(seq 600))b" | check long-name 't.ph:3:1033: error: class name too long'

# ---- classes ----
printf 'package .e;\nimport .no.such;\nclass t {\n};\n' | check import-missing 't.ph:3:1: error: cannot import .no.such: no no.such.pc in the -I folders, and it is not being compiled'
printf 'package .e;\nclass t extends .no.such {\n};\n' | check parent-missing 't.ph:2:1: error: cannot find the parent class .no.such (no .pc in the -I folders, not being compiled)'
printf 'package .e;\nclass t extends u {\n};\nclass u extends t {\n};\n' | check cyclic 't.ph:2:1: error: class .e.t inherits from itself'
printf 'package .e;\nclass t extends .internal.string {\n};\n' | check extends-internal 't.ph:2:1: error: class .e.t cannot extend the internal class .internal.string'
printf 'package .e;\nclass u { var x; };\nclass t extends u {\n  var x;\n};\n' | check field-in-base 't.ph:3:1: error: field x is already defined in a base class'
printf 'package .e;\nclass t {\n  var x; var x;\n};\n' | check field-twice 't.ph:2:1: error: field x is defined twice'
printf 'package .e;\nclass t {\n  void m() { }\n  void m() { }\n};\n' | check method-twice 't.ph:4:8: error: method m is defined twice with the same signature'
printf 'package .e;\nclass t {\n  void m() [20] { }\n  void n() [20] { }\n};\n' | check ordinal-twice 't.ph:4:8: error: method ordinal 20 is used twice (m and n)'
printf 'package .e;\ninterface i {\n  void f(var a : int);\n};\nclass t implements i {\n  void f(var a : string) { }\n};\n' | check interface-method 't.ph:5:1: error: class .e.t does not define f (1 argument), required by interface .e.i'
printf 'package .e;\nclass t implements .no.such {\n};\n' | check interface-missing 't.ph:2:1: error: cannot find the interface .no.such'
printf 'package .e;\nclass t {\n  void m(var v : void) { }\n};\n' | check void-arg "t.ph:3:8: error: argument 'v' of m is declared void"

# ---- types and names ----
body undeclared "t.ph:4:7: error: 'nothing' is not declared" <<< 'throw nothing;'
body assign-undeclared "t.ph:4:1: error: 'nothing' is not declared" <<< 'nothing = 1;'
body redeclared "t.ph:4:14: error: 'a' is already declared in this block" <<< 'var a : int; var a : int;'
body void-var "t.ph:4:1: error: variable 'v' declared void" <<< 'var v : void;'
printf 'package .e;\nclass t {\n  void m(var a) { var a : int; }\n};\n' | check arg-shadow "t.ph:3:19: error: 'a' is already an argument"
body string-as-number 't.ph:4:14: error: a string is used as a number' <<< 'var i : int; i = "s";'
body number-to-string "t.ph:4:17: error: a number is assigned to the string 's'" <<< 'var s : string; s = 1;'
body void-as-number 't.ph:4:14: error: a void value is used as a number' <<< 'var i : int; i = m();'
body void-assign "t.ph:4:8: error: a void value is assigned to 'x'" <<< 'var x; x = m();'
body void-receiver 't.ph:4:5: error: method call on a void value' <<< 'm().toString();'
body void-throw 't.ph:4:1: error: throwing a void value' <<< 'throw m();'
body no-method 't.ph:4:1: error: class .e.t has no method nope taking 2 arguments' <<< 'nope(1, 2);'
body no-class 't.ph:4:12: error: cannot find class .no.such (no no.such.pc in the -I folders, and it is not being compiled)' <<< 'var x; x = new .no.such();'
printf 'package .e;\nclass t {\n  void m() {\n    var x : .no.such;\n    var i : int;\n    i = x.foo() + 1;\n  }\n};\n' | check reported-once 't.ph:6:11: error: cannot find class .no.such (no no.such.pc in the -I folders, and it is not being compiled)'
body no-ctor 't.ph:4:12: error: class .e.t has no constructor taking 1 argument' <<< 'var x; x = new t(1);'
body array-args "t.ph:4:12: error: 'new' of an array takes no arguments" <<< 'var x; x = new int[](5);'
body new-star-int "t.ph:4:12: error: 'new *' needs a class object" <<< 'var x; x = new *(5)();'
body not-assignable "t.ph:4:5: error: the left side of '=' cannot be assigned to" <<< 'm() = 2;'
body float-shift 't.ph:4:29: error: shift of a floating-point value' <<< 'var f : float; f = 1; f = f << 1;'
body string-op "t.ph:4:11: error: operator '-' on a string
t.ph:4:7: error: a string is used as a number" <<< 'throw "a" - 1;'
body float-op "t.ph:4:29: error: operator '%' on a floating-point value" <<< 'var f : float; f = 1; f = f % 2;'
body float-not "t.ph:4:27: error: operator '~' on a floating-point value" <<< 'var f : float; f = 1; f = ~f;'
body cast-void 't.ph:4:7: error: cast to void' <<< 'throw (void)1;'
body break-outside "t.ph:4:1: error: 'break' outside of a loop or switch" <<< 'break;'
body continue-outside "t.ph:4:22: error: 'continue' outside of a loop" <<< 'switch (1) { case 1: continue; }'
body two-defaults 't.ph:4:23: error: more than one default in a switch' <<< 'switch (1) { default: default: }'
body return-value 't.ph:4:1: error: a void method returns a value' <<< 'return 1;'
printf 'package .e;\nclass t {\n  int m() { return; }\n};\n' | check return-no-value 't.ph:3:13: error: return without a value in a method returning int'
printf 'package .e;\nclass t {\n  string m() { return n(); }\n  void n() { }\n};\n' | check return-void 't.ph:3:16: error: returning a void value'
body bad-import-file "t.ph:4:7: error: cannot read the imported file 'no-such-file'" <<< 'throw import "no-such-file";'
body import-dir "t.ph:4:7: error: the imported file '/' is not a regular file of at most 64 MiB" <<< 'throw import "/";'

# a file with errors writes nothing; the good file of the same run is written
d=$tmp/mixed; mkdir -p "$d/out"
printf 'package .e;\nclass good {\n  void m() { }\n};\n' > "$d/good.ph"
printf 'package .e;\nclass bad {\n  void m() { x = 1; }\n};\n' > "$d/t.ph"
(cd "$d" && "$phc" -o out good.ph t.ph 2> err); st=$?
if [ $st -eq 1 ] && [ -f "$d/out/e.good.pc" ] && [ ! -e "$d/out/e.bad.pc" ] && [ -z "$(ls "$d/out" | grep tmp)" ]; then
	pass=$((pass + 1)); echo "ok   a failed class gets no .pc, the good one does, status 1"
else fail=$((fail + 1)); echo "FAIL mixed good/bad classes (status $st: $(ls "$d/out"))"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
