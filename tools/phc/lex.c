/* phc lexer: the whole file becomes a token array (the parser backtracks
 * over it freely). Operators follow the original's longest match; string
 * literals take C escapes. */
#include "tools/phc/phc.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *ops[] = {   /* longest first within a common prefix */
	">>>", ":==", ":!=", "!->", "->!",
	"||", "&&", "==", "!=", ">=", "<=", ".=", "<<", ">>",
	"@", "{", "}", "+", "-", "/", "*", "%", "!", "|", "&", "^", "~",
	">", "<", "=", ":", ".", ";", ",", "[", "]", "(", ")", NULL
};

token *phc_lex(const char *file, const char *src, size_t n, int *ntok)
{
	int cap = 256, nt = 0;
	token *t = xmalloc(sizeof *t * cap);
	size_t i = 0;
	int line = 1, col = 1;
#define ADV() do { if (src[i] == '\n') { line++; col = 1; } else col++; i++; } while (0)
	while (1) {
		while (i < n) {
			if (isspace((unsigned char)src[i])) { ADV(); continue; }
			if (src[i] == '/' && i + 1 < n && src[i + 1] == '/') {
				while (i < n && src[i] != '\n') ADV();
				continue;
			}
			if (src[i] == '/' && i + 1 < n && src[i + 1] == '*') {
				int l0 = line, c0 = col;
				ADV(); ADV();
				while (i < n && !(src[i] == '*' && i + 1 < n && src[i + 1] == '/')) ADV();
				if (i >= n) { phc_error(file, l0, c0, "unterminated comment"); break; }
				ADV(); ADV();
				continue;
			}
			break;
		}
		if (nt + 1 >= cap) { cap *= 2; t = xrealloc(t, sizeof *t * cap); }
		token *k = &t[nt];
		memset(k, 0, sizeof *k);
		k->line = line; k->col = col;
		if (i >= n) { k->kind = T_EOF; k->text = ""; nt++; break; }
		unsigned char c = src[i];
		if (isalpha(c) || c == '_') {
			size_t s = i;
			while (i < n && (isalnum((unsigned char)src[i]) || src[i] == '_')) ADV();
			k->kind = T_IDENT; k->text = xstrndup(src + s, i - s); k->len = i - s;
		} else if (isdigit(c) && ({ size_t j = i; while (j < n && isdigit((unsigned char)src[j])) j++;
		                            j + 1 < n && src[j] == '.' && isdigit((unsigned char)src[j + 1]); })) {
			/* floating constant: digits '.' digits [e[+-]digits] [f] */
			size_t s = i;
			while (i < n && isdigit((unsigned char)src[i])) ADV();
			ADV();
			while (i < n && isdigit((unsigned char)src[i])) ADV();
			if (i < n && (src[i] == 'e' || src[i] == 'E')) {
				size_t save = i; int sc = col;
				ADV();
				if (i < n && (src[i] == '+' || src[i] == '-')) ADV();
				if (i < n && isdigit((unsigned char)src[i])) { while (i < n && isdigit((unsigned char)src[i])) ADV(); }
				else { i = save; col = sc; }
			}
			k->text = xstrndup(src + s, i - s);
			k->kind = T_FLOAT;
			k->fval = strtod(k->text, NULL);
			if (i < n && (src[i] == 'f' || src[i] == 'F')) { k->is_float = 1; ADV(); }
			if (i < n && (isalnum((unsigned char)src[i]) || src[i] == '_')) {
				phc_error(file, line, col, "bad character '%c' in number", src[i]);
				while (i < n && (isalnum((unsigned char)src[i]) || src[i] == '_')) ADV();
			}
		} else if (isdigit(c)) {
			size_t s = i;
			uint64_t v = 0; int over = 0;
			if (c == '0' && i + 1 < n && (src[i + 1] == 'x' || src[i + 1] == 'X')) {
				ADV(); ADV();
				if (i >= n || !isxdigit((unsigned char)src[i]))
					phc_error(file, k->line, k->col, "hexadecimal constant has no digits");
				while (i < n && isxdigit((unsigned char)src[i])) {
					int d = isdigit((unsigned char)src[i]) ? src[i] - '0' : (tolower((unsigned char)src[i]) - 'a' + 10);
					if (v >> 60) over = 1;
					v = v * 16 + d; ADV();
				}
			} else {
				while (i < n && isdigit((unsigned char)src[i])) {
					if (v > (UINT64_MAX - 9) / 10) over = 1;
					v = v * 10 + (src[i] - '0'); ADV();
				}
			}
			if (i < n && (isalpha((unsigned char)src[i]) || src[i] == '_')) {
				phc_error(file, line, col, "bad character '%c' in number", src[i]);
				while (i < n && (isalnum((unsigned char)src[i]) || src[i] == '_')) ADV();
			}
			if (over || (v > (uint64_t)INT64_MAX && !(s + 2 <= i && (src[s + 1] == 'x' || src[s + 1] == 'X'))))
				phc_error(file, k->line, k->col, "integer constant '%.*s' is too large", (int)(i - s), src + s);
			/* hexadecimal constants up to 32 bits are ints (0xFF000000 is -16777216), as in Java */
			if (s + 2 <= i && (src[s + 1] == 'x' || src[s + 1] == 'X') && v <= 0xffffffffu) v = (uint64_t)(int64_t)(int32_t)(uint32_t)v;
			k->kind = T_INT; k->ival = (int64_t)v; k->text = xstrndup(src + s, i - s);
		} else if (c == '"') {
			size_t cap2 = 16, len = 0;
			char *s = xmalloc(cap2);
			ADV();
			int closed = 0;
			while (i < n) {
				char ch = src[i];
				if (ch == '"') { ADV(); closed = 1; break; }
				if (ch == '\n') break;
				if (ch == '\\' && i + 1 < n) {
					ADV();
					char e = src[i];
					switch (e) {
					case 'n': ch = '\n'; break;
					case 't': ch = '\t'; break;
					case 'r': ch = '\r'; break;
					case '0': ch = 0; break;
					case '\\': case '"': case '\'': ch = e; break;
					default:
						phc_error(file, line, col - 1, "unknown escape sequence '\\%c'", e);
						ch = e;
					}
				}
				if (len + 1 >= cap2) { cap2 *= 2; s = xrealloc(s, cap2); }
				s[len++] = ch;
				ADV();
			}
			if (!closed) phc_error(file, k->line, k->col, "unterminated string constant");
			s[len] = 0;
			k->kind = T_STRING; k->text = s; k->len = len;
		} else {
			const char *m = NULL;
			for (int j = 0; ops[j]; j++) {
				size_t l = strlen(ops[j]);
				if (i + l <= n && !memcmp(src + i, ops[j], l)) { m = ops[j]; break; }
			}
			if (!m) {
				if (isprint(c)) phc_error(file, line, col, "stray '%c' in program", c);
				else phc_error(file, line, col, "stray byte 0x%02x in program", c);
				ADV();
				continue;
			}
			k->kind = T_OP; k->text = (char *)m; k->len = strlen(m);
			for (size_t l = strlen(m); l; l--) ADV();
		}
		nt++;
	}
	*ntok = nt;
	return t;
}
