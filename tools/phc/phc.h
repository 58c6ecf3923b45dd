/* phc — the Phantom-language compiler: internal interface.
 *
 * Pipeline: lex.c (source -> token array) -> parse.c, pexpr.c, pstmt.c
 * (tokens -> AST of classes; parse.h) -> classes.c (class table: classes
 * being compiled and classes imported from .pc files, method ordinals,
 * field slots) -> code.c, expr.c, gen.c (typed code generation per method;
 * gen.h) -> emit.c (the .pc records of spec §1). main.c holds the driver,
 * allocation and diagnostics (FILE:LINE:COL: error: TEXT). */
#ifndef PHC_H
#define PHC_H

#include <stddef.h>
#include <stdint.h>

/* ---- diagnostics (main.c) ---- */
extern int phc_errors;
extern int phc_quiet;   /* count errors without printing them (fuzzing, speculative parses) */
void phc_error(const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Every allocation is on one list so that phc_free_all() can release a
 * whole compilation (the fuzz target compiles many inputs per process). */
void *xmalloc(size_t n);
void xfree(void *p);
void phc_free_all(void);
void phc_file_failed(const char *file);   /* no class of FILE is written */
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- lexer (lex.c) ---- */
enum tok_kind { T_EOF, T_IDENT, T_INT, T_FLOAT, T_STRING, T_OP };
typedef struct token {
	enum tok_kind kind;
	int line, col;
	char *text;       /* identifier, operator spelling, or string bytes */
	size_t len;       /* string length (strings may hold NUL) */
	int64_t ival;
	double fval;      /* T_FLOAT */
	int is_float;     /* T_FLOAT with an f suffix */
} token;
/* Tokenises a whole file; never fails (bad bytes are reported and skipped). */
token *phc_lex(const char *file, const char *src, size_t n, int *ntok);

/* ---- types ---- */
enum ty_kind { TY_UNKNOWN, TY_VOID, TY_INT, TY_LONG, TY_FLOAT, TY_DOUBLE,
               TY_STRING, TY_OBJ, TY_ARRAY };
typedef struct type {
	enum ty_kind kind;
	const char *cls;   /* TY_OBJ: full class name; TY_ARRAY: element class or "" */
	enum ty_kind elem; /* TY_ARRAY: element kind */
} type;
static inline int ty_numeric(enum ty_kind k) { return k >= TY_INT && k <= TY_DOUBLE; }
static inline int ty_wide(enum ty_kind k) { return k == TY_LONG || k == TY_DOUBLE; }
type ty_make(enum ty_kind k, const char *cls);
type ty_from_class(const char *name, int is_array);  /* normalises .internal.int etc. */
const char *ty_main_name(type t);   /* class-file main name */
const char *ty_sig_name(type t);    /* the original's signature spelling */

/* ---- AST (parse.c) ---- */
enum node_kind {
	/* statements */
	N_BLOCK, N_EXPR, N_IF, N_WHILE, N_DO, N_FOR, N_SWITCH, N_CASE, N_DEFAULT,
	N_BREAK, N_CONTINUE, N_RETURN, N_THROW, N_TRY, N_VARDEF, N_EMPTY,
	/* expressions */
	N_INT, N_FLOAT, N_STR, N_BIN /* import "file" */, N_NULL, N_THIS, N_IDENT,
	N_CALL, N_INDEX, N_NEW, N_CAST, N_ASSIGN, N_BINOP, N_NOT, N_NEG, N_BITNOT,
	N_AND, N_OR, N_INSTANCEOF,
};
typedef struct node {
	enum node_kind kind;
	int line, col;
	struct node *a, *b, *c, *d;   /* children (meaning per kind) */
	struct node *next;            /* sibling in lists (statements, args) */
	char *str; size_t len;        /* ident, string, method name, op */
	int64_t ival;                 /* int constant; numeric ordinal (-1 none); N_FLOAT: 1 if float */
	double fval;                  /* N_FLOAT */
	type ty;                      /* N_VARDEF, N_NEW, N_CAST, N_TRY, N_INSTANCEOF */
} node;

typedef struct arg { char *name; type ty; } arg;
typedef struct method {
	char *name;
	type ret;
	arg *args; int nargs;
	int ordinal;       /* -1 until assigned */
	int is_ctor;
	node *body;        /* NULL for imported methods */
	int line, col;
	int has_body;
	int pinned;        /* ordinal given in the source ([N]) */
} method;
typedef struct field { char *name; type ty; int slot; } field;

typedef struct pclass {
	char *name;          /* ".a.b.c" */
	char *parent;        /* ".internal.object" unless extends */
	struct pclass *pc_parent;
	char **ifaces; int nifaces;
	field *fields; int nfields;
	method *methods; int nmethods;
	int nslots;          /* object slots incl. inherited */
	int nmslots;         /* method table size */
	int compiled;        /* 1: from source in this run */
	int failed;          /* errors in this class: write nothing */
	const char *file;    /* source file */
	int line, col;
	char *package;
	char **imports; int nimports;   /* full names imported by the source */
	struct pclass *next;
} pclass;

/* parse.c: adds the classes of one source file to the table */
void phc_parse(const char *file, token *t, int ntok);

/* ---- class table (classes.c) ---- */
extern pclass *phc_classes;
extern int phc_name_ordinals;   /* --ordinals=name: the older plc's numbering */
extern const char **phc_incdirs; extern int phc_nincdirs;
pclass *cls_find(const char *name);         /* compiled or imported; NULL if none */
pclass *cls_load(const char *name);         /* find, else read NAME.pc from -I */
void cls_layout(pclass *c);                 /* fields slots, method ordinals */
method *cls_method(pclass *c, const char *name, type *argt, int nargs, int *ambiguous);
method *cls_method_ord(pclass *c, int ord);
field *cls_field(pclass *c, const char *name);
int cls_is_subclass(pclass *c, const char *name);

/* ---- code generation (gen.c) and output (emit.c) ---- */
typedef struct buf { uint8_t *p; size_t n, cap; } buf;
void b_put(buf *b, const void *p, size_t n);
void b_u8(buf *b, int v);
void b_i32(buf *b, int32_t v);
void b_i64(buf *b, int64_t v);
void b_str(buf *b, const char *s, size_t n);
void b_type(buf *b, type t);

typedef struct linemap { int32_t ip, line; } linemap;
typedef struct code_out {
	buf code;
	linemap *lines; int nlines, caplines;
} code_out;

/* string constant pool of the class being generated */
typedef struct cpool { char **s; size_t *len; int n; } cpool;

int gen_method(pclass *c, method *m, code_out *out, cpool *pool);
int emit_class(pclass *c, const char *outdir, code_out *codes, cpool *pool);
int phc_compile_all(const char *outdir);   /* main.c: NULL outdir = check only */

#endif
