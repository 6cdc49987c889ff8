import Testing
@testable import FinetuneCommandLine

@Suite("Evaluation")
struct EvaluationTests {
    // Three classes, six images: true 0,0,1,1,2,2; predicted 0,1,1,1,0,2.
    let evaluation = Evaluation(
        classNames: ["a", "b", "c"], files: ["1", "2", "3", "4", "5", "6"], labels: [0, 0, 1, 1, 2, 2],
        probabilities: [[0.8, 0.1, 0.1], [0.3, 0.6, 0.1], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.9, 0.05, 0.05], [0.1, 0.1, 0.8]],
        loss: 0.5)

    @Test("confusion matrix counts rows as true classes, columns as predicted")
    func confusion() {
        #expect(evaluation.predicted == [0, 1, 1, 1, 0, 2])
        #expect(evaluation.confusion == [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
        #expect(abs(evaluation.accuracy - 4.0 / 6.0) < 1e-12)
    }

    @Test("precision, recall and F1 per class, worked by hand")
    func perClass() {
        let s = evaluation.perClass
        // a: tp 1, predicted as a 2, actual 2 → P ½, R ½, F1 ½.  b: tp 2, predicted 3, actual 2 → P ⅔, R 1, F1 0.8.
        // c: tp 1, predicted 1, actual 2 → P 1, R ½, F1 ⅔.
        let expected: [(Double, Double, Double)] = [(0.5, 0.5, 0.5), (2.0 / 3.0, 1, 0.8), (1, 0.5, 2.0 / 3.0)]
        for (got, want) in zip(s, expected) {
            #expect(abs(got.precision - want.0) < 1e-12 && abs(got.recall - want.1) < 1e-12 && abs(got.f1 - want.2) < 1e-12)
        }
        #expect(s.map(\.support) == [2, 2, 2])
    }

    @Test("mistakes come most confident first")
    func mistakes() {
        let wrong = evaluation.mostConfidentlyWrong(limit: 5)
        #expect(wrong.map(\.file) == ["5", "2"])
        #expect(wrong[0].trueClass == 2 && wrong[0].predictedClass == 0 && wrong[0].confidence == 0.9)
        #expect(evaluation.mostConfidentlyWrong(limit: 1).count == 1)
    }

    @Test("the report prints the loss, accuracy and each matrix row")
    func report() {
        let text = evaluation.report
        #expect(text.contains("loss: 0.5000"))
        #expect(text.contains("accuracy: 0.6667 (4 of 6)"))
        #expect(text.hasSuffix("\n    c       1       0       1"))
    }
}

@Suite("Evaluation: balanced accuracy")
struct BalancedAccuracyTests {
    @Test("the mean recall over classes with images, as scikit-learn's balanced_accuracy_score")
    func balanced() {
        // True 0,0,0,0,1,1 predicted 0,0,0,0,0,1: accuracy 5/6, recalls 1 and ½ → balanced ¾.
        let e = Evaluation(classNames: ["a", "b", "c"], files: ["1", "2", "3", "4", "5", "6"], labels: [0, 0, 0, 0, 1, 1],
                           probabilities: [[0.9, 0.1, 0], [0.8, 0.2, 0], [0.7, 0.3, 0], [0.6, 0.4, 0], [0.6, 0.4, 0], [0.2, 0.8, 0]],
                           loss: 0.3)
        #expect(abs(e.balancedAccuracy - 0.75) < 1e-12)   // class c has no images: left out
        #expect(e.report.contains("balanced accuracy: 0.7500"))
    }
}
