/* phc parser, internal interface (parse.c, pexpr.c, pstmt.c).
 *
 * Recursive descent over the token array of one file. A syntax error
 * (p_fail) reports and longjmps to ps.recover, set by the innermost
 * statement or class member, which skips to the next ';' or '}': several
 * errors are reported per run. */
#ifndef PHC_PARSE_H
#define PHC_PARSE_H

#include "tools/phc/phc.h"
#include <setjmp.h>

#define MAX_DEPTH 400      /* nesting of expressions and statements */

struct parse_state {
	const char *pfile;
	token *tk;
	int ntk, pos;
	jmp_buf *recover;
	int depth;
	int at_eof_reported;   /* one 'not closed' error at the end of the file is enough */
	pclass *cur;           /* class being parsed */
	char *package;
	char **imports; int nimports;
};
extern struct parse_state ps;

token *p_peek(void);
token *p_peekn(int k);
token *p_next(void);
int p_is_op(token *t, const char *s);
int p_is_kw(token *t, const char *s);
int p_eat(const char *s);
const char *p_tdesc(token *t);
void __attribute__((noreturn)) p_fail(token *t, const char *fmt, const char *what);
void p_expect(const char *s);
char *p_ident(void);
node *p_mk(enum node_kind k, token *at);
int p_builtin(const char *s);
char *p_dotted(int *absolute);
char *p_resolve_name(const char *name, int absolute);
void p_skip_attrs(void);
type p_parse_type(void);
int p_looks_like_decl(void);   /* "Type name" at the cursor? */
node *p_expr(void);
node *p_stmt(void);
void p_sync(void);            /* error recovery: skip the broken statement or member */
node *p_block_body(token *open);

#endif
