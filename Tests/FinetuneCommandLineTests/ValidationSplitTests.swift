import Foundation
import Testing
import Finetune

@Suite("DirectoryListing.split")
struct ValidationSplitTests {
    @Test("stratified, disjoint, complete and fixed by the seed")
    func split() throws {
        let data = try ThreeClassData(perClass: (10, 0, 1), validationFolder: false)
        defer { data.remove() }
        let listing = try DirectoryListing(root: data.data + "/train")
        let (train, validation) = try listing.split(validationFraction: 0.2, seed: 5)
        #expect(Set(train.relativePaths).isDisjoint(with: validation.relativePaths))
        #expect(Set(train.relativePaths + validation.relativePaths) == Set(listing.relativePaths))
        #expect(validation.labels.sorted() == [0, 0, 1, 1, 2, 2])
        #expect(train.classNames == listing.classNames)
        let again = try listing.split(validationFraction: 0.2, seed: 5)
        #expect(again.validation.relativePaths == validation.relativePaths)
        let other = try listing.split(validationFraction: 0.2, seed: 6)
        #expect(other.validation.relativePaths != validation.relativePaths)
        #expect(throws: DataError.self) { try listing.split(validationFraction: 1, seed: 5) }
    }
}
