"""The query grammar (lark, LALR).

Precedence from loosest to tightest: ``OR`` < ``AND`` (explicit or implied by adjacent terms)
< ``NOT`` < ``NEAR/n`` < field scope, term, parentheses. So ``a b OR c`` is ``(a AND b) OR c``
and ``a AND NOT b c`` is ``a AND (NOT b) AND c``.

Operators are the upper-case keywords ``AND``, ``OR``, ``NOT`` and ``NEAR/n``, as in the
professional monitoring tools. Lower- or mixed-case ``and``/``or``/``not``/``near/n`` lex as
ordinary words; the parser then rejects them as probable mistakes (see ``parser.py``).
"""

GRAMMAR = r"""
?start: expr

?expr: and_expr
     | expr OR and_expr          -> or_

?and_expr: unary
     | and_expr AND unary        -> and_
     | and_expr unary            -> and_

?unary: near
     | NOT unary                 -> not_

?near: primary
     | near NEAR primary         -> near

?primary: term
     | FIELD primary             -> field
     | LPAR expr RPAR            -> group

term: WORD | PHRASE

OR: "OR"
AND: "AND"
NOT: "NOT"
NEAR.3: /NEAR\/[0-9]+(?![^\s()"\u201c\u201d])/
FIELD.3: /(?i:title|text):/
PHRASE.2: /"[^"]*"/ | /\u201c[^\u201d]*\u201d/
WORD: /[^\s()"\u201c\u201d]+/
LPAR: "("
RPAR: ")"

%ignore /\s+/
"""
