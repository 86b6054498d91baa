/* dlgconv.h must compile on its own, before any other header, as strict C11 and as C++
 * (tests/CMakeLists.txt compiles this file both ways when the test runs). */
#include "dlgconv.h"

int header_test_uses(void);
int header_test_uses(void)
{
	dlg_options o = DLG_OPTIONS_INIT;
	dlg_summary s;
	s.files = 0;
	return (int)o.min_turns + (int)s.files + DLG_MAX_SPLITS;
}
