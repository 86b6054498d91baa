#include "helpers.h"
#include "lib/mojibake.h"

Suite *mojibake_suite(void)
{
	Suite *s = suite_create("mojibake");
	return s;
}
