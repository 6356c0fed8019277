// Scopeon for Swift: a thin layer over libscopeon's C ABI (scopeon.h, imported as CScopeon).
//
// Everything here is what the header guarantees, in Swift terms: statuses become thrown
// `ScopeonError`s, the `ScopeonDb *` handle is owned by a `Database` (closed on deinit, its
// calls serialized by a lock), strings libscopeon returns are copied and freed at once, and the
// JSON documents it returns (`scopeon.report.v1`, `scopeon.scan.v1`, ...) come back as `Data`
// for `JSONDecoder` or `JSONSerialization`. The library found at run time must speak the ABI
// version of the header this package was compiled against: the first `Database` or `price`
// call checks it.

import CScopeon
import Foundation

/// A libscopeon status code (`ScopeonStatus`: `SCOPEON_OK` or a `SCOPEON_E_*` value).
/// Unknown values (from a newer library) are kept as they are.
public struct Status: RawRepresentable, Hashable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let ok = Status(rawValue: SCOPEON_OK)
    public static let null = Status(rawValue: SCOPEON_E_NULL)
    public static let utf8 = Status(rawValue: SCOPEON_E_UTF8)
    public static let json = Status(rawValue: SCOPEON_E_JSON)
    public static let invalidArgument = Status(rawValue: SCOPEON_E_INVALID_ARGUMENT)
    public static let unknownModel = Status(rawValue: SCOPEON_E_UNKNOWN_MODEL)
    public static let noHome = Status(rawValue: SCOPEON_E_NO_HOME)
    public static let config = Status(rawValue: SCOPEON_E_CONFIG)
    public static let io = Status(rawValue: SCOPEON_E_IO)
    public static let database = Status(rawValue: SCOPEON_E_DATABASE)
    public static let unsafeDatabase = Status(rawValue: SCOPEON_E_UNSAFE_DATABASE)
    public static let busy = Status(rawValue: SCOPEON_E_BUSY)
    public static let panic = Status(rawValue: SCOPEON_E_PANIC)
    public static let internalError = Status(rawValue: SCOPEON_E_INTERNAL)

    public var description: String {
        switch self {
        case .ok: return "OK"
        case .null: return "NULL"
        case .utf8: return "UTF8"
        case .json: return "JSON"
        case .invalidArgument: return "INVALID_ARGUMENT"
        case .unknownModel: return "UNKNOWN_MODEL"
        case .noHome: return "NO_HOME"
        case .config: return "CONFIG"
        case .io: return "IO"
        case .database: return "DATABASE"
        case .unsafeDatabase: return "UNSAFE_DATABASE"
        case .busy: return "BUSY"
        case .panic: return "PANIC"
        case .internalError: return "INTERNAL"
        default: return "status \(rawValue)"
        }
    }
}

/// A failed libscopeon call: its status and message.
public struct ScopeonError: Error, CustomStringConvertible {
    public let status: Status
    public let message: String

    public var description: String { "\(message) [\(status)]" }
}

/// Copies a string libscopeon returned and frees it.
private func take(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    guard let pointer = pointer else { return nil }
    defer { _ = scopeon_string_free(pointer) }
    return String(cString: pointer)
}

/// The calling thread's last error message.
private func threadError() -> String {
    var message: UnsafeMutablePointer<CChar>? = nil
    _ = scopeon_last_error(&message)
    return take(message) ?? "unknown error"
}

/// The libscopeon loaded at run time speaks another C ABI version than the header this package
/// was compiled against (for instance a stale library earlier on the library search path).
public struct IncompatibleLibraryError: Error, CustomStringConvertible {
    /// The version this package needs: `Scopeon.abiVersion`.
    public let expected: UInt32
    /// The version the loaded library reports; nil when its `scopeon_abi_version` failed.
    public let found: UInt32?

    public var description: String {
        let loaded = found.map { "C ABI version \($0)" } ?? "an unknown C ABI version"
        return "the loaded libscopeon has \(loaded), but this Scopeon package needs version "
            + "\(expected): build the library from the same Scopeon checkout "
            + "(`cargo build --release -p scopeon-ffi`) and link and load that one"
    }
}

/// The loaded library's ABI version compared with the header's, once (a global is initialized
/// lazily and exactly once, even when several threads reach it together): nil when they agree.
private let libraryMismatch: IncompatibleLibraryError? = { () -> IncompatibleLibraryError? in
    let expected = UInt32(SCOPEON_ABI_VERSION)
    var found: UInt32 = 0
    guard scopeon_abi_version(&found) == SCOPEON_OK else {
        return IncompatibleLibraryError(expected: expected, found: nil)
    }
    return found == expected ? nil : IncompatibleLibraryError(expected: expected, found: found)
}()

/// Throws `IncompatibleLibraryError` unless the loaded libscopeon speaks this package's ABI.
private func requireCompatibleLibrary() throws {
    if let mismatch = libraryMismatch {
        throw mismatch
    }
}

private func check(_ status: ScopeonStatus) throws {
    guard status == SCOPEON_OK else {
        throw ScopeonError(status: Status(rawValue: status), message: threadError())
    }
}

private func jsonText(_ object: [String: Any]) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}

/// Library-wide functions.
public enum Scopeon {
    /// The C ABI version this package was written for (`SCOPEON_ABI_VERSION`).
    public static let abiVersion = UInt32(SCOPEON_ABI_VERSION)

    /// The library version, e.g. "0.1.0".
    public static func version() throws -> String {
        var out: UnsafePointer<CChar>? = nil
        try check(scopeon_version(&out))
        return out.map { String(cString: $0) } ?? ""
    }

    /// The loaded library's ABI version; equal to `abiVersion` for a compatible library. Not
    /// checked itself: it is how a mismatch is diagnosed.
    public static func loadedABIVersion() throws -> UInt32 {
        var out: UInt32 = 0
        try check(scopeon_abi_version(&out))
        return out
    }

    /// The built-in price table's entry for a model id as logged (`scopeon.price.v1`). An
    /// unknown model throws `Status.unknownModel`. Any thread.
    public static func price(model: String) throws -> Data {
        try requireCompatibleLibrary()
        var out: UnsafeMutablePointer<CChar>? = nil
        try check(scopeon_price(model, &out))
        return Data((take(out) ?? "{}").utf8)
    }
}

/// An open Scopeon database: owns one `ScopeonDb *` handle, closed by `close()` or on deinit.
///
/// Calls on one `Database` from several threads are serialized by its lock (the C handle
/// itself answers `Status.busy` to a concurrent call rather than wait); distinct `Database`
/// objects run concurrently.
public final class Database: @unchecked Sendable {
    /// Guarded by `lock`: every call, `close()` and `isClosed` hold it.
    private var handle: OpaquePointer?
    private let lock = NSLock()

    /// Opens (creating if needed) the database at `path`; `nil` for the default
    /// (`$SCOPEON_DB`, else `~/.scopeon/scopeon.db`), ":memory:" for a private in-memory one.
    public init(path: String? = nil) throws {
        try requireCompatibleLibrary()
        var raw: OpaquePointer? = nil
        let status: ScopeonStatus
        if let path = path {
            status = scopeon_db_open(path, &raw)
        } else {
            status = scopeon_db_open(nil, &raw)
        }
        try check(status)
        handle = raw
    }

    // No lock: nothing else holds a reference to a Database being deinitialized.
    deinit {
        if let handle = handle {
            _ = scopeon_db_close(handle)
        }
    }

    /// Closes the database; closing twice does nothing.
    public func close() throws {
        lock.lock()
        defer { lock.unlock() }
        guard let open = handle else { return }
        try check(scopeon_db_close(open))
        handle = nil
    }

    /// Whether `close()` was called.
    public var isClosed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return handle == nil
    }

    /// Calls a function taking this handle and a `char **` out-parameter; returns its JSON.
    private func call(
        _ function: (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> ScopeonStatus
    ) throws -> Data {
        // Held until the handle's error message is read, so another thread's call cannot
        // replace it in between.
        lock.lock()
        defer { lock.unlock() }
        var out: UnsafeMutablePointer<CChar>? = nil
        let current = handle
        let status = withUnsafeMutablePointer(to: &out) { function(current, $0) }
        guard status == SCOPEON_OK else {
            guard let current = current else {
                throw ScopeonError(status: Status(rawValue: status), message: "the database is closed")
            }
            var message: UnsafeMutablePointer<CChar>? = nil
            _ = scopeon_db_last_error(current, &message)
            throw ScopeonError(status: Status(rawValue: status), message: take(message) ?? threadError())
        }
        return Data((take(out) ?? "{}").utf8)
    }

    /// Reads new log lines into the database, as `scopeon scan`; returns the
    /// `scopeon.scan.v1` summary. `providers` narrows the scan (e.g. `["claude_code"]`).
    public func scan(providers: [String]? = nil, rebuild: Bool = false) throws -> Data {
        var request: [String: Any] = ["schema": "scopeon.scan_request.v1", "rebuild": rebuild]
        if let providers = providers { request["providers"] = providers }
        let text = try jsonText(request)
        return try call { scopeon_scan($0, text, $1) }
    }

    /// Runs a raw request (JSON text) through `scopeon_query`, which tells the kinds apart by
    /// `schema`: `scopeon.query.v1` (or none) returns `scopeon.report.v1`,
    /// `scopeon.blocks_request.v1` `scopeon.blocks.v1`, `scopeon.context_request.v1`
    /// `scopeon.context.v1`.
    public func query(_ requestJSON: String) throws -> Data {
        try call { scopeon_query($0, requestJSON, $1) }
    }

    /// A report as `scopeon report --json --no-scan`: the whole `scopeon.report.v1` document.
    /// `by: []` asks for the totals alone.
    public func report(
        since: String? = nil,
        until: String? = nil,
        by: [String] = ["day"],
        tz: String? = nil,
        providers: [String] = [],
        projects: [String] = [],
        models: [String] = [],
        cost: String = "calculated"
    ) throws -> Data {
        var request: [String: Any] = [
            "schema": "scopeon.query.v1",
            "by": by,
            "providers": providers,
            "projects": projects,
            "models": models,
            "cost": cost,
        ]
        if let since = since { request["since"] = since }
        if let until = until { request["until"] = until }
        if let tz = tz { request["tz"] = tz }
        return try query(try jsonText(request))
    }

    /// Five-hour blocks as `scopeon blocks --json --no-scan`: the whole `scopeon.blocks.v1`
    /// document. `providers` defaults to claude_code and codex; `tokenLimit` is a number of
    /// tokens ("500000") or "max"; `since`/`until` as in `report`; `now` (RFC 3339) computes as
    /// if it were then (default: the clock, or `$SCOPEON_NOW` as when the database was opened).
    public func blocks(
        providers: [String] = [],
        active: Bool = false,
        recent: Bool = false,
        since: String? = nil,
        until: String? = nil,
        tokenLimit: String? = nil,
        floorHour: Bool = false,
        gaps: Bool = false,
        tz: String? = nil,
        now: String? = nil
    ) throws -> Data {
        var request: [String: Any] = [
            "schema": "scopeon.blocks_request.v1",
            "providers": providers,
            "active": active,
            "recent": recent,
            "floor_hour": floorHour,
            "gaps": gaps,
        ]
        if let since = since { request["since"] = since }
        if let until = until { request["until"] = until }
        if let tokenLimit = tokenLimit { request["token_limit"] = tokenLimit }
        if let tz = tz { request["tz"] = tz }
        if let now = now { request["now"] = now }
        return try query(try jsonText(request))
    }

    /// How full each active session's context is, as `scopeon context --json --no-scan`: the
    /// `scopeon.context.v1` document. `providers` defaults to all; `session` narrows to one;
    /// `activeMinutes`: sessions with a request in the last this many minutes; `now` as in
    /// `blocks`.
    public func context(
        providers: [String] = [],
        session: String? = nil,
        activeMinutes: Int = 30,
        now: String? = nil
    ) throws -> Data {
        var request: [String: Any] = [
            "schema": "scopeon.context_request.v1",
            "providers": providers,
            "active_minutes": activeMinutes,
        ]
        if let session = session { request["session"] = session }
        if let now = now { request["now"] = now }
        return try query(try jsonText(request))
    }

    /// The built-in providers (`scopeon.providers.v1`): roots, files tracked, records stored.
    public func providers() throws -> Data {
        try call { scopeon_providers($0, $1) }
    }
}
