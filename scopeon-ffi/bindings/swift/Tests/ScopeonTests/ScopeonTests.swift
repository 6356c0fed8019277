// XCTest for the Swift API (run with `swift test` where a Swift toolchain exists; see README).

import Foundation
import XCTest

@testable import Scopeon

final class ScopeonTests: XCTestCase {
    func testVersions() throws {
        XCTAssertEqual(try Scopeon.loadedABIVersion(), Scopeon.abiVersion)
        XCTAssertFalse(try Scopeon.version().isEmpty)
    }

    func testReportOverAnEmptyDatabase() throws {
        let db = try Database(path: ":memory:")
        let data = try db.report(by: [], tz: "UTC")
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(doc["schema"] as? String, "scopeon.report.v1")
        try db.close()
        XCTAssertTrue(db.isClosed)
    }

    func testBlocksAndContextOverAnEmptyDatabase() throws {
        let db = try Database(path: ":memory:")
        let blocks = try XCTUnwrap(
            JSONSerialization.jsonObject(with: try db.blocks(tokenLimit: "max", now: "2026-11-27T12:00:00Z"))
                as? [String: Any])
        XCTAssertEqual(blocks["schema"] as? String, "scopeon.blocks.v1")
        XCTAssertEqual(blocks["generated_at"] as? String, "2026-11-27T12:00:00Z")
        let context = try XCTUnwrap(
            JSONSerialization.jsonObject(with: try db.context(activeMinutes: 60)) as? [String: Any])
        XCTAssertEqual(context["schema"] as? String, "scopeon.context.v1")
        XCTAssertThrowsError(try db.blocks(since: "soon")) { error in
            XCTAssertEqual((error as? ScopeonError)?.status, .invalidArgument)
            XCTAssertTrue((error as? ScopeonError)?.message.contains("field `since`") ?? false)
        }
        try db.close()
    }

    func testErrorsCarryStatusAndMessage() throws {
        let db = try Database(path: ":memory:")
        XCTAssertThrowsError(try db.query("{not json")) { error in
            XCTAssertEqual((error as? ScopeonError)?.status, .json)
        }
        XCTAssertThrowsError(try db.report(tz: "Mars/Olympus")) { error in
            XCTAssertEqual((error as? ScopeonError)?.status, .invalidArgument)
        }
        XCTAssertThrowsError(try Scopeon.price(model: "no-such-model")) { error in
            XCTAssertEqual((error as? ScopeonError)?.status, .unknownModel)
        }
        try db.close()
        XCTAssertThrowsError(try db.providers()) { error in
            XCTAssertEqual((error as? ScopeonError)?.status, .null)
        }
    }
}
