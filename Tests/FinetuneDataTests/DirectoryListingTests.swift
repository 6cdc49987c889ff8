#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import FinetuneData

@Suite("DirectoryListing entries")
struct DirectoryListingTests {
    /// `readdir` packs entries `d_reclen` bytes apart, so an entry with a short name can sit at the
    /// very end of its buffer with most of its 256-byte `d_name` array outside it. Here such an entry
    /// ends exactly at a page followed by an inaccessible page: reading one byte past the name's NUL
    /// (as copying `entry.pointee.d_name` does, 256 bytes) crashes the test.
    @Test("an entry's name is read only up to its NUL, never past the end of readdir's buffer")
    func nameAtEndOfBuffer() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let mapping = mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        let base = try #require(mapping == MAP_FAILED ? nil : mapping)
        defer { munmap(base, 2 * page) }
        try #require(mprotect(base + page, page, PROT_NONE) == 0)

        let name: [UInt8] = Array("abcd".utf8) + [0]
        let offset = try #require(MemoryLayout<dirent>.offset(of: \dirent.d_name))
        let start = page - offset - name.count   // 8-aligned: 19 + 5 = 24 on Linux x86-64
        try #require(start % MemoryLayout<dirent>.alignment == 0)
        let entry = base + start
        memset(entry, 0, offset)
        (entry + offset).copyMemory(from: name, byteCount: name.count)

        #expect(entryName(entry.assumingMemoryBound(to: dirent.self)) == Array("abcd".utf8))
    }

    /// A folder large enough that glibc's 32 KiB readdir buffer fills: its last entries sit at the
    /// end of the heap block (AddressSanitizer reports any read past it).
    @Test("a folder of 3,000 images lists every file once, in name order")
    func largeFolder() throws {
        let folder = try ScratchFolder("listing-large")
        let cats = folder.url.appendingPathComponent("cats")
        try FileManager.default.createDirectory(at: cats, withIntermediateDirectories: true)
        let names = (0..<3000).map { "c\($0).png" }
        for n in names { try Data().write(to: cats.appendingPathComponent(n)) }
        let listing = try DirectoryListing(root: folder.path)
        #expect(listing.classNames == ["cats"])
        #expect(listing.relativePaths == names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            .map { "cats/" + $0 })
    }
}
