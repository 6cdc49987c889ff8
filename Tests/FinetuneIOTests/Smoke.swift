import Testing
@testable import FinetuneIO

@Suite("FinetuneIO module")
struct IOModuleSmoke {
    @Test("module links") func links() { #expect(Bool(true)) }
}
