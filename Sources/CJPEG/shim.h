// jpeglib.h uses FILE and size_t without including <stdio.h> itself (PERF-NOTES P9).
#include <stdio.h>
#include <jpeglib.h>
