import ArgumentParser
import Finetune

/// `swift run -c release demo-catsdogs` — the seed's whole workflow: VGG16 base + new head,
/// phase 1 (frozen base), phase 2 (unfrozen from block5_conv1), test evaluation, history, plots.
@main
struct DemoCatsDogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-catsdogs",
        abstract: "Fine-tune a pretrained VGG16 on cats vs dogs, the Keras way (Chollet, ch. 5), in Swift.")

    @OptionGroup var options: DemoOptions

    func run() throws {
        throw ValidationError("demo-catsdogs: the workflow is not wired yet (issue 7)")
    }
}
