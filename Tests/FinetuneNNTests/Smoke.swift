import Testing
@testable import FinetuneNN

@Suite("FinetuneNN module")
struct NNModuleSmoke {
    @Test("module links") func links() { #expect(Bool(true)) }
}
