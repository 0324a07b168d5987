// Compiled only by the `layers` test, which expects it to fail: src/sync sits below
// src/api (src/README.md), so an API header must not be on the sync layer's include path.
#include "api/router.h"
