import Testing
@testable import FinetuneTraining

@Suite("Canvas")
struct CanvasTests {
    @Test("a horizontal 2-px stroke covers its rows fully and nothing far away")
    func solidStroke() {
        var c = Canvas(width: 40, height: 20)
        c.stroke([PixelPoint(5, 10), PixelPoint(35, 10)], .black, lineWidth: 2)
        #expect(c[20, 9] == .black && c[20, 10] == .black)      // rows 9 and 10 straddle y = 10
        #expect(c[20, 12] == .white && c[20, 7] == .white)
        #expect(c[2, 10] == .white && c[38, 10] == .white)       // beyond the round caps
    }

    @Test("a diagonal stroke is anti-aliased: some pixels are partly covered")
    func antiAliased() {
        var c = Canvas(width: 40, height: 40)
        c.stroke([PixelPoint(3, 5), PixelPoint(37, 30)], .black, lineWidth: 1.5)
        let grays = (0..<40).flatMap { y in (0..<40).map { x in c[x, y].r } }.filter { $0 > 0 && $0 < 255 }
        #expect(grays.count > 20)
        #expect(c[20, Int(5 + 25.0 * 17 / 34)] .r < 80)   // on the line: dark
    }

    @Test("a dashed stroke has gaps at the expected places")
    func dashes() {
        var c = Canvas(width: 100, height: 10)
        c.stroke([PixelPoint(0, 5), PixelPoint(100, 5)], .black, lineWidth: 2, dash: (10, 10))
        // On: [0,10), [20,30), …; off: [10,20), … (round caps reach 1 px into each gap).
        for x in [3, 5, 24, 45, 66, 87] { #expect(c[x, 5] == .black, "x = \(x) should be inked") }
        for x in [14, 15, 35, 56, 75, 95] { #expect(c[x, 5] == .white, "x = \(x) should be a gap") }
    }

    @Test("the dash pattern runs on across vertices")
    func dashAcrossVertex() {
        let pieces = Canvas.dashed([(PixelPoint(0, 0), PixelPoint(6, 0)), (PixelPoint(6, 0), PixelPoint(6, 10))], on: 4, off: 4)
        // 0–4 on, 4–8 off (2 px on the first segment, 2 on the second), 8–12 on = (6,2)…(6,6), 16–… on = (6,10) end.
        #expect(pieces.count == 2)
        #expect(pieces[0].0 == PixelPoint(0, 0) && pieces[0].1 == PixelPoint(4, 0))
        #expect(pieces[1].0 == PixelPoint(6, 2) && pieces[1].1 == PixelPoint(6, 6))
    }

    @Test("clip keeps strokes inside the rectangle")
    func clip() {
        var c = Canvas(width: 30, height: 10)
        c.stroke([PixelPoint(0, 5), PixelPoint(30, 5)], .black, lineWidth: 3, clip: (10, 0, 20, 10))
        #expect(c[9, 5] == .white && c[10, 5] == .black && c[19, 5] == .black && c[20, 5] == .white)
    }

    @Test("text draws the glyph bitmap at the scale asked")
    func text() {
        var c = Canvas(width: 20, height: 20)
        c.text("1", x: 2, y: 3, scale: 2, .black)
        // '1' row 0 is "..#..": column 2 inked → pixels x 6–7, y 3–4.
        #expect(c[6, 3] == .black && c[7, 4] == .black)
        #expect(c[4, 3] == .white && c[8, 3] == .white)
        // Bottom row ".###." at y = 3 + 12…13, x 4…9.
        #expect(c[4, 15] == .black && c[9, 16] == .black && c[2, 15] == .white)
        #expect(Canvas.textSize("12", scale: 2) == (22, 14))
    }

    @Test("rotated text reads upwards from its bottom-left corner")
    func rotated() {
        var c = Canvas(width: 20, height: 20)
        c.text("-", x: 2, y: 15, scale: 1, .black, rotated: true)
        // '-' is row 3, columns 0–4: rotated, column u goes up from y = 15, row v goes right from x = 2.
        for u in 0..<5 { #expect(c[2 + 3, 14 - u] == .black) }
        #expect(c[2 + 2, 14] == .white && c[2 + 3, 9] == .white)
    }

    @Test("every printable ASCII glyph is 5 columns and 7 to 9 rows")
    func font() {
        for code in 32...126 {
            let ch = Character(Unicode.Scalar(UInt8(code)))
            let rows = BitmapFont.glyph(ch)
            #expect(rows != BitmapFont.missing || ch == " ", "glyph for \(ch) missing")
            #expect((7...9).contains(rows.count), "glyph \(ch) has \(rows.count) rows")
            #expect(rows.allSatisfy { $0 < 32 })
        }
        let entries = BitmapFont.source.map { $0.1.split(separator: " ") }
        #expect(entries.allSatisfy { $0.allSatisfy { $0.count == 5 } })
        #expect(BitmapFont.glyph("é") == BitmapFont.missing)
    }
}
