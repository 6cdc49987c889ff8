import Testing
@testable import FinetuneTraining

@Suite("FinetuneTraining module")
struct TrainingModuleSmoke {
    @Test("module links") func links() { #expect(Bool(true)) }
}
