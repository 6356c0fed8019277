/*
 * The C ABI exercised from C: every function, every error path reachable from a program, the
 * ownership rules (run under valgrind: no leak, no invalid access), and the thread rules.
 *
 * Build (see scopeon-ffi/ci.sh): cc -std=c99 -Wall -Wextra -Werror -Iinclude
 *   tests/c/test_scopeon.c tests/c/double_include.c -lscopeon (shared or static)
 *
 * It writes a tiny Claude Code log under a temporary $HOME, points the environment at it and
 * removes it at the end. The last line is "N passed, N failed".
 */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <dirent.h>
#endif

#include "scopeon.h"
#include "double_include.h"

static int passed;
static int failed;
static char root[256];
static char home[512];

static void check(int ok, const char *what, int line) {
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "FAIL line %d: %s\n", line, what);
    }
}
#define CHECK(cond) check((cond) != 0, #cond, __LINE__)

/* The thread's last error, copied into a static buffer (and the owned copy freed). */
static const char *last_error(void) {
    static char buffer[4096];
    char *message = NULL;
    buffer[0] = '\0';
    if (scopeon_last_error(&message) == SCOPEON_OK && message != NULL) {
        snprintf(buffer, sizeof buffer, "%s", message);
        scopeon_string_free(message);
    }
    return buffer;
}

/* The handle's last error, as last_error(). */
static const char *db_error(const ScopeonDb *db) {
    static char buffer[4096];
    char *message = NULL;
    buffer[0] = '\0';
    if (scopeon_db_last_error(db, &message) == SCOPEON_OK && message != NULL) {
        snprintf(buffer, sizeof buffer, "%s", message);
        scopeon_string_free(message);
    }
    return buffer;
}

/* Checks a status; on a mismatch prints the thread's last error. */
static void expect_status(ScopeonStatus got, ScopeonStatus want, const char *what, int line) {
    if (got != want) {
        fprintf(stderr, "  got status %d, want %d: %s\n", (int)got, (int)want, last_error());
    }
    check(got == want, what, line);
}
#define EXPECT(call, want) expect_status((call), (want), #call, __LINE__)

/* Checks the thread's last error contains a piece of text. */
#define EXPECT_MESSAGE(text)                                                              \
    do {                                                                                  \
        const char *m_ = last_error();                                                    \
        if (strstr(m_, (text)) == NULL) fprintf(stderr, "  message: %s\n", m_);           \
        check(strstr(m_, (text)) != NULL, "last error contains " #text, __LINE__);        \
    } while (0)

/* Checks JSON text contains a fragment, then frees it. */
static void expect_json(char *json, const char *fragment, int line) {
    int ok = json != NULL && strstr(json, fragment) != NULL;
    if (!ok) fprintf(stderr, "  json: %s\n  missing: %s\n", json ? json : "(null)", fragment);
    check(ok, fragment, line);
}
#define EXPECT_JSON(json, fragment) expect_json((json), (fragment), __LINE__)

static void path_join(char *out, size_t size, const char *a, const char *b) {
    snprintf(out, size, "%s/%s", a, b);
}

/* mkdir -p */
static void make_dirs(const char *path) {
    char buffer[1024];
    char *p;
    snprintf(buffer, sizeof buffer, "%s", path);
    for (p = buffer + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(buffer, 0700);
            *p = '/';
        }
    }
    mkdir(buffer, 0700);
}

static void write_file(const char *path, const char *contents) {
    char dir[1024];
    char *slash;
    FILE *f;
    snprintf(dir, sizeof dir, "%s", path);
    slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
        make_dirs(dir);
    }
    f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        exit(2);
    }
    fputs(contents, f);
    fclose(f);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* One assistant line of a Claude Code transcript. */
static void log_line(char *out, size_t size, const char *id, const char *ts, const char *model,
                     int input, int output) {
    snprintf(out, size,
             "{\"type\":\"assistant\",\"sessionId\":\"s1\",\"cwd\":\"/home/dev/app\","
             "\"requestId\":\"r-%s\",\"timestamp\":\"%s\",\"message\":{\"id\":\"%s\","
             "\"model\":\"%s\",\"usage\":{\"input_tokens\":%d,\"output_tokens\":%d}}}\n",
             id, ts, id, model, input, output);
}

static void write_fixture(void) {
    char path[1024];
    char text[2048];
    char line[512];
    text[0] = '\0';
    log_line(line, sizeof line, "m1", "2026-11-20T10:00:00Z", "claude-sonnet-4-5", 10, 20);
    strcat(text, line);
    strcat(text, line); /* a second copy of one request: counted once */
    log_line(line, sizeof line, "m2", "2026-11-21T09:00:00Z", "claude-opus-4-1", 5, 7);
    strcat(text, line);
    strcat(text, "not json\n");
    path_join(path, sizeof path, home, ".claude/projects/-home-dev-app/s1.jsonl");
    write_file(path, text);
}

static int thread_count(void) {
#ifdef __linux__
    int n = 0;
    struct dirent *entry;
    DIR *dir = opendir("/proc/self/task");
    if (dir == NULL) return -1;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] != '.') n++;
    }
    closedir(dir);
    return n;
#else
    return 1;
#endif
}

/* The number of threads once the joined ones are gone. A joined thread can stay listed in
 * /proc/self/task for a moment after pthread_join returns (the kernel wakes the joiner before
 * it removes the task), so wait up to a second for the count to settle at `expected`. */
static int threads_settled(int expected) {
    const struct timespec pause = {0, 10 * 1000 * 1000};
    int n = thread_count();
    for (int i = 0; i < 100 && n > expected; i++) {
        nanosleep(&pause, NULL);
        n = thread_count();
    }
    return n;
}

static void test_versions(void) {
    const char *version = NULL;
    uint32_t abi = 0;
    EXPECT(scopeon_version(&version), SCOPEON_OK);
    CHECK(version != NULL && strchr(version, '.') != NULL);
    EXPECT(scopeon_version(NULL), SCOPEON_E_NULL);
    EXPECT_MESSAGE("out_version must not be NULL");
    EXPECT(scopeon_abi_version(&abi), SCOPEON_OK);
    CHECK(abi == SCOPEON_ABI_VERSION);
    CHECK(scopeon_test_header_abi_version() == SCOPEON_ABI_VERSION);
    EXPECT(scopeon_abi_version(NULL), SCOPEON_E_NULL);
    EXPECT(scopeon_last_error(NULL), SCOPEON_E_NULL);
    EXPECT_MESSAGE("scopeon_last_error: out_message must not be NULL");
    EXPECT(scopeon_string_free(NULL), SCOPEON_OK);
    EXPECT(scopeon_db_close(NULL), SCOPEON_OK);
}

static void test_open_errors(void) {
    ScopeonDb *db = (ScopeonDb *)&db; /* not NULL: a failure must reset it */
    char path[1024];
    const char *saved_home;
    char saved[512];

    EXPECT(scopeon_db_open(NULL, NULL), SCOPEON_E_NULL);
    EXPECT(scopeon_db_open("\xff.db", &db), SCOPEON_E_UTF8);
    CHECK(db == NULL);
    EXPECT_MESSAGE("not valid UTF-8");
    EXPECT(scopeon_db_open("", &db), SCOPEON_E_INVALID_ARGUMENT);

    path_join(path, sizeof path, root, "plain-file");
    write_file(path, "x");
    path_join(path, sizeof path, root, "plain-file/below.db");
    EXPECT(scopeon_db_open(path, &db), SCOPEON_E_IO);
    CHECK(db == NULL);

    path_join(path, sizeof path, root, "garbage.db");
    write_file(path, "this is not an SQLite database, not at all, not even close to one....");
    chmod(path, 0600);
    EXPECT(scopeon_db_open(path, &db), SCOPEON_E_DATABASE);

    path_join(path, sizeof path, root, "shared.db");
    write_file(path, "");
    chmod(path, 0666);
    EXPECT(scopeon_db_open(path, &db), SCOPEON_E_UNSAFE_DATABASE);
    EXPECT_MESSAGE("chmod");

    saved_home = getenv("HOME");
    snprintf(saved, sizeof saved, "%s", saved_home ? saved_home : "");
    unsetenv("HOME");
    EXPECT(scopeon_db_open(NULL, &db), SCOPEON_E_NO_HOME);
    setenv("HOME", saved, 1);
}

static void test_scan_report_providers(void) {
    ScopeonDb *db = NULL;
    char *json = NULL;
    char path[1024];
    char request[2048];
    char line[512];
    struct stat st;

    EXPECT(scopeon_db_open(NULL, &db), SCOPEON_OK);
    CHECK(db != NULL);
    /* The default database, private to the user. */
    path_join(path, sizeof path, home, ".scopeon/scopeon.db");
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    {
        char *message = (char *)path;
        EXPECT(scopeon_db_last_error(db, &message), SCOPEON_OK);
        CHECK(message == NULL); /* no call on it failed yet */
    }

    EXPECT(scopeon_scan(db, NULL, &json), SCOPEON_OK);
    EXPECT_JSON(json, "\"schema\":\"scopeon.scan.v1\"");
    EXPECT_JSON(json, "\"provider\":\"claude_code\"");
    EXPECT_JSON(json, "\"new_records\":2");
    EXPECT_JSON(json, "\"invalid_json\":1");
    scopeon_string_free(json);
    CHECK(threads_settled(1) == 1); /* the scan's reading thread was joined */

    EXPECT(scopeon_scan(db, "{\"providers\":[\"claude_code\"]}", &json), SCOPEON_OK);
    EXPECT_JSON(json, "\"new_records\":0");
    scopeon_string_free(json);

    /* A root given in the request replaces the provider's roots for that scan. */
    log_line(line, sizeof line, "m3", "2026-11-22T08:00:00Z", "claude-haiku-4-5", 1, 2);
    path_join(path, sizeof path, root, "elsewhere/projects/p/s2.jsonl");
    write_file(path, line);
    snprintf(request, sizeof request,
             "{\"schema\":\"scopeon.scan_request.v1\",\"roots\":{\"claude_code\":[\"%s/elsewhere\"]}}",
             root);
    EXPECT(scopeon_scan(db, request, &json), SCOPEON_OK);
    EXPECT_JSON(json, "\"new_records\":1");
    EXPECT_JSON(json, "\"files\":1");
    scopeon_string_free(json);

    EXPECT(scopeon_query(db, "{\"schema\":\"scopeon.query.v1\",\"by\":[\"day\",\"model\"],\"tz\":\"UTC\"}", &json),
           SCOPEON_OK);
    EXPECT_JSON(json, "\"schema\":\"scopeon.report.v1\"");
    EXPECT_JSON(json, "\"group_by\":[\"day\",\"model\"]");
    EXPECT_JSON(json, "{\"key\":{\"day\":\"2026-11-20\",\"model\":\"claude-sonnet-4-5\"},\"requests\":1");
    EXPECT_JSON(json, "\"totals\":{\"requests\":3,");
    EXPECT_JSON(json, "\"generated_at\":\"2026-11-27T12:00:00Z\"");
    EXPECT_JSON(json, "\"demo\":false,\"scan\":null");
    scopeon_string_free(json);

    EXPECT(scopeon_query(db, "{\"since\":\"2d\",\"by\":\"\",\"model\":\"claude-haiku-4-5\"}", &json),
           SCOPEON_OK);
    EXPECT_JSON(json, "\"rows\":[]");
    scopeon_string_free(json);
    EXPECT(scopeon_query(db, "{\"until\":\"2026-11-21\",\"by\":[],\"provider\":\"claude_code\"}", &json),
           SCOPEON_OK);
    EXPECT_JSON(json, "\"totals\":{\"requests\":2,");
    scopeon_string_free(json);

    /* Blocks and context: scopeon_query answers them by the request's schema, with the
     * documents `scopeon blocks --json` and `scopeon context --json` print. */
    EXPECT(scopeon_query(db, "{\"schema\":\"scopeon.blocks_request.v1\",\"token_limit\":\"max\"}", &json),
           SCOPEON_OK);
    EXPECT_JSON(json, "{\"schema\":\"scopeon.blocks.v1\",\"generated_at\":\"2026-11-27T12:00:00Z\",");
    EXPECT_JSON(json, "{\"provider\":\"claude_code\",\"source\":\"estimated\","
                      "\"start\":\"2026-11-20T10:00:00Z\",\"end\":\"2026-11-20T15:00:00Z\"");
    EXPECT_JSON(json, "\"start\":\"2026-11-21T09:00:00Z\",\"end\":\"2026-11-21T14:00:00Z\"");
    EXPECT_JSON(json, "\"start\":\"2026-11-22T08:00:00Z\",\"end\":\"2026-11-22T13:00:00Z\"");
    EXPECT_JSON(json, "\"token_limit\":{\"limit\":30,"); /* max: the largest completed block, 11-20 */
    EXPECT_JSON(json, "\"windows\":[]");
    scopeon_string_free(json);
    EXPECT(scopeon_query(db, "{\"schema\":\"scopeon.blocks_request.v1\",\"active\":true}", &json),
           SCOPEON_OK);
    EXPECT_JSON(json, "\"blocks\":[]"); /* now is 2026-11-27: no block contains it */
    scopeon_string_free(json);
    EXPECT(scopeon_query(db, "{\"schema\":\"scopeon.context_request.v1\",\"now\":\"2026-11-22T08:10:00Z\"}",
                         &json),
           SCOPEON_OK);
    EXPECT_JSON(json, "{\"schema\":\"scopeon.context.v1\",\"generated_at\":\"2026-11-22T08:10:00Z\",");
    EXPECT_JSON(json, "\"session\":\"s1\"");
    EXPECT_JSON(json, "\"model\":\"claude-haiku-4-5\",\"context_tokens\":1,");
    EXPECT_JSON(json, "\"last_request\":\"2026-11-22T08:00:00Z\"");
    scopeon_string_free(json);
    EXPECT(scopeon_query(db, "{\"schema\":\"scopeon.context_request.v1\",\"provider\":\"claude_code\"}", &json),
           SCOPEON_OK);
    EXPECT_JSON(json, "\"sessions\":[]"); /* none in the 30 minutes before 2026-11-27T12:00 */
    scopeon_string_free(json);

    EXPECT(scopeon_providers(db, &json), SCOPEON_OK);
    EXPECT_JSON(json, "\"schema\":\"scopeon.providers.v1\"");
    EXPECT_JSON(json, "\"provider\":\"claude_code\",\"enabled\":true");
    EXPECT_JSON(json, "/.claude\",\"exists\":true");
    EXPECT_JSON(json, "\"records\":3");
    scopeon_string_free(json);

    EXPECT(scopeon_db_close(db), SCOPEON_OK);
}

static void test_handle_errors(void) {
    ScopeonDb *db = NULL;
    char *json = (char *)&json;
    char path[1024];

    EXPECT(scopeon_db_open(":memory:", &db), SCOPEON_OK);

    /* NULL arguments. */
    EXPECT(scopeon_scan(NULL, NULL, &json), SCOPEON_E_NULL);
    CHECK(json == NULL);
    EXPECT_MESSAGE("scopeon_scan: db must not be NULL");
    EXPECT(scopeon_scan(db, NULL, NULL), SCOPEON_E_NULL);
    CHECK(strstr(db_error(db), "out_json must not be NULL") != NULL);
    EXPECT(scopeon_query(NULL, "{}", &json), SCOPEON_E_NULL);
    EXPECT(scopeon_query(db, NULL, &json), SCOPEON_E_NULL);
    EXPECT_MESSAGE("request_json must not be NULL");
    EXPECT(scopeon_query(db, "{}", NULL), SCOPEON_E_NULL);
    EXPECT(scopeon_providers(NULL, &json), SCOPEON_E_NULL);
    EXPECT(scopeon_providers(db, NULL), SCOPEON_E_NULL);
    EXPECT(scopeon_db_last_error(NULL, &json), SCOPEON_E_NULL);
    EXPECT(scopeon_db_last_error(db, NULL), SCOPEON_E_NULL);

    /* Requests that are not JSON, or not of the request's shape. */
    EXPECT(scopeon_scan(db, "{\"providers\":", &json), SCOPEON_E_JSON);
    CHECK(json == NULL);
    CHECK(strstr(db_error(db), "invalid scan request") != NULL);
    EXPECT_MESSAGE("invalid scan request");
    EXPECT(scopeon_scan(db, "{\"rebuild\":1}", &json), SCOPEON_E_JSON);
    EXPECT(scopeon_query(db, "[1,2]", &json), SCOPEON_E_JSON);
    EXPECT(scopeon_query(db, "{\"sinc\":\"7d\"}", &json), SCOPEON_E_JSON);
    EXPECT_MESSAGE("unknown field `sinc`");
    EXPECT(scopeon_query(db, "", &json), SCOPEON_E_JSON);

    /* Values Scopeon does not accept. */
    EXPECT(scopeon_scan(db, "{\"providers\":[\"nope\"]}", &json), SCOPEON_E_INVALID_ARGUMENT);
    EXPECT_MESSAGE("unknown provider \"nope\"");
    EXPECT(scopeon_query(db, "{\"tz\":\"Mars/Olympus\"}", &json), SCOPEON_E_INVALID_ARGUMENT);
    EXPECT(scopeon_query(db, "{\"by\":[\"dya\"]}", &json), SCOPEON_E_INVALID_ARGUMENT);
    EXPECT(scopeon_query(db, "{\"since\":\"last tuesday\"}", &json), SCOPEON_E_INVALID_ARGUMENT);
    EXPECT(scopeon_query(db, "{\"cost\":\"cheap\"}", &json), SCOPEON_E_INVALID_ARGUMENT);
    EXPECT(scopeon_query(db, "{\"schema\":\"scopeon.query.v2\"}", &json), SCOPEON_E_INVALID_ARGUMENT);
    EXPECT_MESSAGE("unsupported request schema");

    /* Blocks and context requests name the field at fault. */
    EXPECT(scopeon_query(db, "{\"schema\":\"scopeon.blocks_request.v1\",\"gaps\":\"yes\"}", &json),
           SCOPEON_E_JSON);
    EXPECT_MESSAGE("invalid blocks request: field `gaps`: invalid type");
    EXPECT(scopeon_query(db, "{\"schema\":\"scopeon.blocks_request.v1\",\"since\":\"7d\",\"until\":\"soon\"}",
                         &json),
           SCOPEON_E_INVALID_ARGUMENT);
    CHECK(json == NULL);
    EXPECT_MESSAGE("field `until`: invalid time \"soon\"");
    CHECK(strstr(db_error(db), "field `until`") != NULL);
    EXPECT(scopeon_query(db, "{\"schema\":\"scopeon.blocks_request.v1\",\"token_limit\":0}", &json),
           SCOPEON_E_INVALID_ARGUMENT);
    EXPECT_MESSAGE("field `token_limit`: invalid token limit");
    EXPECT(scopeon_query(db, "{\"schema\":\"scopeon.context_request.v1\",\"providers\":[\"nope\"]}", &json),
           SCOPEON_E_INVALID_ARGUMENT);
    EXPECT_MESSAGE("field `providers`: unknown provider \"nope\"");
    EXPECT(scopeon_query(db, "{\"schema\":\"scopeon.context_request.v1\",\"active_minutes\":-1}", &json),
           SCOPEON_E_JSON);
    EXPECT_MESSAGE("field `active_minutes`");
    EXPECT(scopeon_query(db, "{\"schema\":\"scopeon.context_request.v2\"}", &json), SCOPEON_E_INVALID_ARGUMENT);
    EXPECT_MESSAGE("scopeon.context_request.v1");

    /* Invalid UTF-8 in a request. */
    EXPECT(scopeon_scan(db, "{\"providers\":[\"\xc3\x28\"]}", &json), SCOPEON_E_UTF8);
    EXPECT(scopeon_query(db, "{\"tz\":\"\xff\"}", &json), SCOPEON_E_UTF8);
    CHECK(json == NULL);

    /* A failure on the handle is its last error until the next failure. */
    CHECK(strstr(db_error(db), "UTF-8") != NULL);
    EXPECT(scopeon_providers(db, &json), SCOPEON_OK);
    EXPECT_JSON(json, "\"records\":0");
    scopeon_string_free(json);
    CHECK(strstr(db_error(db), "UTF-8") != NULL);
    EXPECT(scopeon_db_close(db), SCOPEON_OK);

    /* A broken configuration file: the configuration is read when a database is opened. */
    ScopeonDb *other = (ScopeonDb *)&other;
    path_join(path, sizeof path, home, ".scopeon/config.toml");
    write_file(path, "[scan\n");
    EXPECT(scopeon_db_open(":memory:", &other), SCOPEON_E_CONFIG);
    CHECK(other == NULL);
    EXPECT_MESSAGE("config.toml");
    remove(path);
    EXPECT(scopeon_db_open(":memory:", &other), SCOPEON_OK);
    EXPECT(scopeon_db_close(other), SCOPEON_OK);
}

static void test_price(void) {
    char *json = (char *)&json;
    EXPECT(scopeon_price("claude-sonnet-4-5-20250929", &json), SCOPEON_OK);
    EXPECT_JSON(json, "\"schema\":\"scopeon.price.v1\"");
    EXPECT_JSON(json, "\"canonical\":\"claude-sonnet-4-5\"");
    EXPECT_JSON(json, "\"regional_uplift\":false");
    EXPECT_JSON(json, "\"input\":\"3\"");
    EXPECT_JSON(json, "\"long_context\":{\"above_tokens\":200000");
    scopeon_string_free(json);
    EXPECT(scopeon_price("eu.anthropic.claude-haiku-4-5-20251001-v1:0", &json), SCOPEON_OK);
    EXPECT_JSON(json, "\"regional_uplift\":true");
    scopeon_string_free(json);
    EXPECT(scopeon_price("no-such-model", &json), SCOPEON_E_UNKNOWN_MODEL);
    CHECK(json == NULL);
    EXPECT_MESSAGE("unknown model \"no-such-model\"");
    EXPECT(scopeon_price(NULL, &json), SCOPEON_E_NULL);
    EXPECT(scopeon_price("claude-sonnet-4-5", NULL), SCOPEON_E_NULL);
    EXPECT(scopeon_price("claude-\xe2\x28\xa1", &json), SCOPEON_E_UTF8);
}

static void test_panics_are_statuses(void) {
    ScopeonDb *db = NULL;
    char *json = NULL;

    setenv("SCOPEON_TEST_FFI_PANIC", "scopeon_price", 1);
    EXPECT(scopeon_price("claude-sonnet-4-5", &json), SCOPEON_E_PANIC);
    CHECK(json == NULL);
    EXPECT_MESSAGE("internal panic");

    setenv("SCOPEON_TEST_FFI_PANIC", "scopeon_db_open", 1);
    EXPECT(scopeon_db_open(":memory:", &db), SCOPEON_E_PANIC);
    CHECK(db == NULL);

    unsetenv("SCOPEON_TEST_FFI_PANIC");
    EXPECT(scopeon_db_open(":memory:", &db), SCOPEON_OK);
    setenv("SCOPEON_TEST_FFI_PANIC", "scopeon_query", 1);
    EXPECT(scopeon_query(db, "{}", &json), SCOPEON_E_PANIC);
    CHECK(strstr(db_error(db), "scopeon_query: internal panic") != NULL);
    setenv("SCOPEON_TEST_FFI_PANIC", "scopeon_scan", 1);
    EXPECT(scopeon_scan(db, NULL, &json), SCOPEON_E_PANIC);
    setenv("SCOPEON_TEST_FFI_PANIC", "scopeon_providers", 1);
    EXPECT(scopeon_providers(db, &json), SCOPEON_E_PANIC);
    unsetenv("SCOPEON_TEST_FFI_PANIC");
    /* The handle is still usable: the panics happened before it was touched. */
    EXPECT(scopeon_query(db, "{}", &json), SCOPEON_OK);
    scopeon_string_free(json);
    EXPECT(scopeon_db_close(db), SCOPEON_OK);
}

struct scan_job {
    ScopeonDb *db;
    const char *request;
    ScopeonStatus status;
    int done;
};

static void *scan_thread(void *arg) {
    struct scan_job *job = arg;
    char *json = NULL;
    job->status = scopeon_scan(job->db, job->request, &json);
    scopeon_string_free(json);
    __atomic_store_n(&job->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* One handle per thread at a time: a second thread gets SCOPEON_E_BUSY, never a race; another
 * handle on the same file works concurrently. */
static void test_threads(void) {
    ScopeonDb *db = NULL;
    ScopeonDb *other = NULL;
    char path[1024];
    char request[1024];
    char *text;
    char line[512];
    char id[32];
    size_t used = 0;
    int i;
    int attempt;
    int busy = 0;
    int unexpected = 0;
    int concurrent_ok = 0;
    int other_failed = 0;

    /* A larger log, so a scan takes long enough to meet it. */
    text = malloc(200 * 512);
    if (text == NULL) exit(2);
    text[0] = '\0';
    for (i = 0; i < 200; i++) {
        snprintf(id, sizeof id, "big%d", i);
        log_line(line, sizeof line, id, "2026-11-23T10:00:00Z", "claude-sonnet-4-5", i, 1);
        memcpy(text + used, line, strlen(line) + 1);
        used += strlen(line);
    }
    path_join(path, sizeof path, root, "big/projects/p/big.jsonl");
    write_file(path, text);
    free(text);
    snprintf(request, sizeof request,
             "{\"rebuild\":true,\"roots\":{\"claude_code\":[\"%s/big\"]}}", root);

    path_join(path, sizeof path, root, "threads/scopeon.db");
    EXPECT(scopeon_db_open(path, &db), SCOPEON_OK);
    EXPECT(scopeon_db_open(path, &other), SCOPEON_OK);
    /* Distinct handles on one file work concurrently: a scan on one, queries on the other. */
    {
        struct timespec pause = {0, 10000000};
        pthread_t thread;
        struct scan_job job;
        job.db = db;
        job.request = request;
        job.status = -1;
        job.done = 0;
        if (pthread_create(&thread, NULL, scan_thread, &job) != 0) exit(2);
        do {
            char *json = NULL;
            ScopeonStatus st = scopeon_query(other, "{\"by\":[],\"tz\":\"UTC\"}", &json);
            if (st == SCOPEON_OK) {
                concurrent_ok++;
                scopeon_string_free(json);
            } else {
                other_failed++;
                fprintf(stderr, "  other handle: %d %s\n", (int)st, db_error(other));
            }
            nanosleep(&pause, NULL); /* let the scan progress (valgrind runs one thread at a time) */
        } while (!__atomic_load_n(&job.done, __ATOMIC_ACQUIRE));
        pthread_join(thread, NULL);
        EXPECT(job.status, SCOPEON_OK);
        CHECK(concurrent_ok > 0 && other_failed == 0);
    }

    /* Two threads race for one handle: whichever comes second is refused with
     * SCOPEON_E_BUSY, never a data race. Repeat until a refusal was seen. */
    for (attempt = 0; attempt < 100 && !busy; attempt++) {
        struct timespec breath = {0, 1000000};
        pthread_t thread;
        struct scan_job job;
        job.db = db;
        job.request = request;
        job.status = -1;
        job.done = 0;
        if (pthread_create(&thread, NULL, scan_thread, &job) != 0) exit(2);
        while (!__atomic_load_n(&job.done, __ATOMIC_ACQUIRE)) {
            char *json = NULL;
            ScopeonStatus st = scopeon_providers(db, &json);
            if (st == SCOPEON_E_BUSY) {
                busy = 1;
                if (json != NULL || strstr(db_error(db), "in use by another thread") == NULL) {
                    unexpected++;
                }
            } else if (st == SCOPEON_OK) {
                scopeon_string_free(json);
            } else {
                unexpected++;
            }
            nanosleep(&breath, NULL); /* never starve the scan (valgrind runs one thread at a time) */
        }
        pthread_join(thread, NULL);
        if (job.status == SCOPEON_E_BUSY) {
            busy = 1;
        } else if (job.status != SCOPEON_OK) {
            unexpected++;
        }
    }
    printf("threads: %d concurrent queries on a second handle; busy after %d attempt(s)\n",
           concurrent_ok, attempt);
    CHECK(busy);
    CHECK(unexpected == 0);
    CHECK(threads_settled(1) == 1);
    EXPECT(scopeon_query(other, "{\"by\":[],\"tz\":\"UTC\"}", &text), SCOPEON_OK);
    EXPECT_JSON(text, "\"totals\":{\"requests\":200,");
    scopeon_string_free(text);
    EXPECT(scopeon_db_close(other), SCOPEON_OK);
    EXPECT(scopeon_db_close(db), SCOPEON_OK);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/scopeon-ctest-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(root) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    path_join(home, sizeof home, root, "home");
    make_dirs(home);
    setenv("HOME", home, 1);
    setenv("TZ", "UTC", 1);
    setenv("SCOPEON_NOW", "2026-11-27T12:00:00Z", 1);
    unsetenv("CLAUDE_CONFIG_DIR");
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("SCOPEON_DB");
    unsetenv("SCOPEON_TEST_FFI_PANIC");
    write_fixture();

    test_versions();
    test_open_errors();
    test_scan_report_providers();
    test_handle_errors();
    test_price();
    test_panics_are_statuses();
    test_threads();

    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
