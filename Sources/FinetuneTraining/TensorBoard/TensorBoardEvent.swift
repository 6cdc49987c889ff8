import Foundation

/// One record of a TensorFlow event file: TensorFlow's `Event` protocol buffer
/// (`tensorflow/core/util/event.proto`) with the only two payloads TensorBoard needs from a
/// training loop — the file-version header and a `Summary` of tagged values.
package struct TensorBoardEvent: Sendable, Equatable {
    /// Seconds since 1970 when the value was recorded (`wall_time`).
    package var wallTime: Double
    /// The step on TensorBoard's horizontal axis (`step`).
    package var step: Int64
    /// What the event carries.
    package var payload: Payload

    /// An event's content.
    package enum Payload: Sendable, Equatable {
        /// The first record of every file, `"brain.Event:2"` (`file_version`).
        case fileVersion(String)
        /// Tagged values (`summary`).
        case summary([TensorBoardValue])
    }

    /// An event recorded at `wallTime` for `step`.
    package init(wallTime: Double, step: Int64, payload: Payload) {
        self.wallTime = wallTime; self.step = step; self.payload = payload
    }

    /// The serialized `Event` message.
    package var encoded: [UInt8] {
        var w = ProtobufWriter()
        w.double(1, wallTime)
        if step != 0 { w.int64(2, step) }
        switch payload {
        case let .fileVersion(version):
            w.string(3, version)
        case let .summary(values):
            w.message(5) { summary in
                for value in values { summary.message(1) { value.encode(into: &$0) } }
            }
        }
        return w.bytes
    }
}

/// One tagged value of a `Summary` (`Summary.Value` in `tensorflow/core/framework/summary.proto`).
package struct TensorBoardValue: Sendable, Equatable {
    /// The name TensorBoard groups and plots by (`epoch_loss`, `block5_conv1.kernel/histogram`).
    package var tag: String
    /// The value.
    package var kind: Kind

    /// The kinds of value a training loop logs.
    package enum Kind: Sendable, Equatable {
        /// A number, stored as `simple_value` (float32), shown on the Scalars dashboard.
        case scalar(Float)
        /// An encoded PNG of `width × height` pixels with 3 channels (`Summary.Image`).
        case image(png: [UInt8], width: Int, height: Int)
        /// A histogram (`HistogramProto`), shown on the Histograms and Distributions dashboards.
        case histogram(TensorBoardHistogram)
        /// Markdown text: a scalar string tensor tagged for the text plugin, as `tf.summary.text`
        /// writes it.
        case text(String)
    }

    /// A value named `tag`.
    package init(tag: String, _ kind: Kind) { self.tag = tag; self.kind = kind }

    func encode(into w: inout ProtobufWriter) {
        w.string(1, tag)
        switch kind {
        case let .scalar(value):
            w.float(2, value)
        case let .image(png, width, height):
            w.message(4) { image in
                image.int64(1, Int64(height))
                image.int64(2, Int64(width))
                image.int64(3, 3)  // colorspace: RGB
                image.bytes(4, png)
            }
        case let .histogram(histogram):
            w.message(5) { histogram.encode(into: &$0) }
        case let .text(text):
            w.message(8) { tensor in  // TensorProto
                tensor.int64(1, 7)  // dtype: DT_STRING
                tensor.message(2) { _ in }  // tensor_shape: a scalar
                tensor.bytes(8, Array(text.utf8))  // string_val
            }
            w.message(9) { metadata in  // SummaryMetadata
                metadata.message(1) { plugin in  // PluginData
                    plugin.string(1, "text")
                }
                metadata.int64(4, 2)  // data_class: DATA_CLASS_TENSOR
            }
        }
    }
}
