// Checked by scopeon-ffi/ci.sh with `clang -fmodules -fsyntax-only`: the module map resolves,
// the header compiles as a module, and what the Swift API uses is visible through the import
// (as Swift's Clang importer sees it).
@import CScopeon;

static int uses_the_module(void) {
    uint32_t abi = 0;
    const char *version = 0;
    ScopeonDb *db = 0;
    char *json = 0;
    ScopeonStatus status = scopeon_abi_version(&abi);
    status |= scopeon_version(&version);
    status |= scopeon_db_open(":memory:", &db);
    status |= scopeon_scan(db, 0, &json);
    status |= scopeon_query(db, "{}", &json);
    status |= scopeon_providers(db, &json);
    status |= scopeon_price("claude-sonnet-4-5", &json);
    status |= scopeon_db_last_error(db, &json);
    status |= scopeon_last_error(&json);
    status |= scopeon_string_free(json);
    status |= scopeon_db_close(db);
    return status == SCOPEON_OK && abi == SCOPEON_ABI_VERSION && SCOPEON_E_INTERNAL > 0;
}

int main(void) {
    return uses_the_module() ? 0 : 1;
}
