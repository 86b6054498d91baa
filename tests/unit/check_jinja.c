/*
 * check_jinja.c - the chat-template subset's edges: what is refused and where it says it
 * is, raise_exception's message, the render budget, and the Jinja rules the official
 * templates lean on (scopes, namespaces, loops, whitespace control). The templates
 * themselves are compared with @huggingface/jinja by the template_* tests.
 */
#include "helpers.h"
#include "lib/jinja.h"

#include <stdio.h>
#include <stdlib.h>

/* Renders `src` over the JSON object `vars`; the text (static) or NULL with err set. */
static const char *render(const char *src, const char *vars, size_t budget, dlg_error *err,
			  dlg_status *st)
{
	static char out[4096];
	dlg_jinja *t;
	*st = dlg_jinja__compile(&t, src, strlen(src), err);
	if (*st)
		return NULL;
	dlg_buf b;
	dlg_buf__init(&b, NULL, DLG_BUF_UNCAPPED);
	*st = dlg_jinja__render(t, vars, strlen(vars), budget, &b, err);
	dlg_jinja__free(t);
	snprintf(out, sizeof out, "%.*s", (int)b.len, b.data ? b.data : "");
	dlg_buf__dispose(&b);
	return *st ? NULL : out;
}

static const char *ok(const char *src, const char *vars)
{
	dlg_error err;
	dlg_status st;
	const char *s = render(src, vars, (size_t)1 << 20, &err, &st);
	ck_assert_msg(s, "%s", err.msg);
	return s;
}

static const char *refused(const char *src, const char *vars, dlg_status want)
{
	static dlg_error err;
	dlg_status st;
	ck_assert_ptr_null(render(src, vars, (size_t)1 << 20, &err, &st));
	ck_assert_int_eq(st, want);
	return err.msg;
}

START_TEST(test_jinja_outside_subset_named_where)
{
	ck_assert_str_eq(refused("a\n  {% macro f() %}{% endmacro %}", "{}", DLG_E_ARG),
			 "chat template line 2, column 3: {% macro %} is outside the subset");
	ck_assert_str_eq(refused("{{ x }}\n{% for a in b %}{% break %}{% endfor %}", "{}",
				 DLG_E_ARG),
			 "chat template line 2, column 17: {% break %} is outside the subset");
	/* a filter is refused when a render reaches it, as @huggingface/jinja does */
	ck_assert_str_eq(ok("{% if 0 %}{{ x | wordwrap }}{% endif %}ok", "{}"), "ok");
	ck_assert_str_eq(refused("{{ 'a' }}\n{{ x | wordwrap }}", "{\"x\":\"y\"}", DLG_E_ARG),
			 "chat template line 2, column 8: the filter `wordwrap` is outside the "
			 "subset (or does not take this value or these arguments)");
	ck_assert_str_eq(refused("{{ range(3) }}", "{}", DLG_E_ARG),
			 "chat template line 1, column 4: `range(...)`: no such function or "
			 "method in the subset");
	ck_assert_str_eq(refused("{% if x %}", "{}", DLG_E_ARG),
			 "chat template line 1, column 11: the template ends before {% endif %}");
	ck_assert_str_eq(refused("{{ 'abc }}", "{}", DLG_E_ARG),
			 "chat template line 1, column 4: a string that does not end");
}
END_TEST

START_TEST(test_jinja_raise_exception_message)
{
	const char *src = "{% for m in messages %}{% if m.role == 'system' %}\n"
			  "{{ raise_exception('System role not supported') }}"
			  "{% endif %}{% endfor %}";
	ck_assert_str_eq(refused(src, "{\"messages\":[{\"role\":\"system\"}]}", DLG_E_ARG),
			 "chat template line 2, column 4: raise_exception: System role not "
			 "supported");
	ck_assert_str_eq(ok(src, "{\"messages\":[{\"role\":\"user\"}]}"), "");
}
END_TEST

START_TEST(test_jinja_budget)
{
	/* a list doubled in a loop over itself: memory grows until the budget stops it */
	const char *grow = "{% set ns = namespace(l=[1]) %}{% for i in [1,2,3,4,5,6,7,8,9,10,11,12,"
			   "13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30] %}"
			   "{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l | length }}";
	dlg_error err;
	dlg_status st;
	ck_assert_ptr_null(render(grow, "{}", (size_t)1 << 20, &err, &st));
	ck_assert_int_eq(st, DLG_E_LIMIT);
	ck_assert_msg(strstr(err.msg, "render budget"), "%s", err.msg);
	/* output past the budget */
	const char *xs = "{\"x\":[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
			 "2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}";
	ck_assert_ptr_null(render("{% for a in x %}{% for b in x %}{{ x }}{% endfor %}{% endfor %}",
				  xs, 4096, &err, &st));
	ck_assert_int_eq(st, DLG_E_LIMIT);
	/* lists nested 8,000 deep by a loop: written out, refused, not a stack overflow */
	const char *nest = "{% set ns = namespace(l=[]) %}"
			   "{% set t = [0,1,2,3,4,5,6,7,8,9,0,1,2,3,4,5,6,7,8,9] %}"
			   "{% for a in t %}{% for b in t %}{% for c in t %}"
			   "{% set ns.l = [ns.l] %}{% endfor %}{% endfor %}{% endfor %}{{ ns.l }}";
	ck_assert_ptr_null(render(nest, "{}", (size_t)16 << 20, &err, &st));
	ck_assert_int_eq(st, DLG_E_ARG);
	ck_assert_msg(strstr(err.msg, "nested past 512"), "%s", err.msg);
	/* nesting deeper than the parser goes is refused, not a stack overflow */
	char deep[2200] = "{{ ";
	for (int i = 0; i < 500; i++)
		strcat(deep, "(");
	strcat(deep, "1");
	ck_assert_ptr_null(render(deep, "{}", (size_t)1 << 20, &err, &st));
	ck_assert_msg(strstr(err.msg, "nested more than"), "%s", err.msg);
}
END_TEST

START_TEST(test_jinja_scopes_and_loops)
{
	/* set in a loop stays in the loop; a namespace carries it out */
	ck_assert_str_eq(ok("{% set x = 1 %}{% for i in [1,2] %}{% set x = i %}{% endfor %}"
			    "{{ x }}", "{}"), "1");
	ck_assert_str_eq(ok("{% set ns = namespace(x=1) %}{% for i in [1,2] %}{% set ns.x = i %}"
			    "{% endfor %}{{ ns.x }}", "{}"), "2");
	ck_assert_str_eq(ok("{% for k, v in d | items %}{{ loop.index }}{{ k }}={{ v }};"
			    "{% endfor %}", "{\"d\":{\"a\":1,\"b\":[true,null]}}"),
			 "1a=1;2b=[true, null];");
	ck_assert_str_eq(ok("{% for m in ms[::-1] if m > 1 %}{{ m }}{{ '.' if not loop.last }}"
			    "{% else %}none{% endfor %}", "{\"ms\":[1,2,3]}"), "3.2");
	ck_assert_str_eq(ok("{% for m in [] %}x{% else %}none{% endfor %}", "{}"), "none");
	/* whitespace control, trim_blocks and lstrip_blocks as the reference applies them */
	ck_assert_str_eq(ok("a  {%- if true -%}  b  {% endif %}\n  {% if true %}\nc{% endif %}\n",
			    "{}"), "ab  c");
	/* a list joined to a string as JavaScript writes one: items by commas, a nested list
	 * as printed (each checked with @huggingface/jinja 0.5.13) */
	/* a sign before what is not a number (checked with the reference: -2|-3|3) */
	ck_assert_str_eq(ok("{{ -(2) }}|{{ -x }}|{{ +x }}", "{\"x\":3}"), "-2|-3|3");
	ck_assert_str_eq(ok("{{ \"x\" + [1, 2, \"a\"] }}|{{ \"x\" ~ [1, [2, 3]] }}|"
			    "{{ [1, 2] + \"y\" }}", "{}"), "x1,2,a|x1,[2, 3]|1,2y");
	ck_assert_str_eq(ok("{{ 'x' ~ y ~ 1.0 }}|{{ 1.0 }}|{{ 7 // 2 }}|{{ -7 % 3 }}|"
			    "{{ 'ab'[-1] }}", "{}"), "x1|1.0|3|-1|b");
	ck_assert_str_eq(ok("{{ '  a b '.split() | tojson }}{{ 'a<b>c'.split('<', 1) | tojson }}"
			    "{{ ' x\\n'.strip() }}{{ 'aXbX'.replace('X', '-', 1) }}", "{}"),
			 "[\"a\", \"b\"][\"a\", \"b>c\"]xa-bX");
	ck_assert_str_eq(ok("{{ d | tojson(indent=2) }}",
			    "{\"d\":{\"a\":[1,2.5,\"\\u0001\\\"\"],\"e\":{}}}"),
			 "{\n  \"a\": [\n    1,\n    2.5,\n    \"\\u0001\\\"\"\n  ],\n"
			 "  \"e\": {}\n}");
	ck_assert_str_eq(ok("{{ 'a' in d }}{{ 'z' not in d }}{{ 1 == 1.0 }}{{ x is defined }}"
			    "{{ d.a is string }}{{ d.get('z', 5) }}", "{\"d\":{\"a\":\"b\"}}"),
			 "truetruetruefalsetrue5");
}
END_TEST

Suite *jinja_suite(void)
{
	Suite *s = suite_create("jinja");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_jinja_outside_subset_named_where);
	tcase_add_test(tc, test_jinja_raise_exception_message);
	tcase_add_test(tc, test_jinja_budget);
	tcase_add_test(tc, test_jinja_scopes_and_loops);
	suite_add_tcase(s, tc);
	return s;
}
