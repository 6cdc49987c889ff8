import Testing
@testable import FinetuneData

@Suite("FinetuneData module")
struct DataModuleSmoke {
    @Test("module links") func links() { #expect(Bool(true)) }
}
