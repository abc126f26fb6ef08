// The system SQLite (Debian's libsqlite3-dev), imported as a Swift module by KibanStore.
#include <sqlite3.h>
