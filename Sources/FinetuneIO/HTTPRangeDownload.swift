#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking   // URLSession on Linux (libcurl underneath)
#endif
import FinetuneCore

/// One HTTP GET whose body is written into an open file: appended from `offset` when the server
/// answers a `Range: bytes=<offset>-` request with 206 and the matching `Content-Range`, from the
/// start (the file truncated first) when it answers 200. Waits for the transfer to end and says
/// how it ended; deciding what that means (resume, retry, verify, rename) is the caller's.
final class HTTPRangeDownload: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// How a transfer ended.
    struct Outcome {
        /// The HTTP status, or nil when no response arrived (refused, unreachable, timed out).
        var status: Int?
        /// The file's expected complete size, when the response said (Content-Length, or the total
        /// of Content-Range).
        var expectedSize: Int64?
        /// Whether the body was appended at `offset` (206), not written from the start.
        var resumed = false
        /// The transport's error (the connection broke, the server went away), or a write error.
        var failure: String?
    }

    private let descriptor: Int32
    private let offset: Int64
    private let progress: ((Int64, Int64?) -> Void)?
    private let state = Locked(Outcome())
    private let written = Locked<Int64>(0)
    private let finished = DispatchSemaphore(value: 0)

    private init(descriptor: Int32, offset: Int64, progress: ((Int64, Int64?) -> Void)?) {
        self.descriptor = descriptor
        self.offset = offset
        self.progress = progress
    }

    /// Fetches `url` into the file open as `descriptor` (positioned anywhere), asking for the
    /// bytes from `offset` on when `offset > 0`. `idleTimeout`: seconds without data before giving up.
    static func run(_ url: URL, into descriptor: Int32, from offset: Int64, idleTimeout: TimeInterval,
                    progress: ((_ fileBytes: Int64, _ expected: Int64?) -> Void)?) -> Outcome {
        let transfer = HTTPRangeDownload(descriptor: descriptor, offset: offset, progress: progress)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: nil)
        var request = URLRequest(url: url)
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")   // ranges count stored bytes
        if offset > 0 { request.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
        session.dataTask(with: request).resume()
        transfer.finished.wait()
        session.finishTasksAndInvalidate()
        return transfer.state.withLock { $0 }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = response as? HTTPURLResponse else { completionHandler(.allow); return }
        let status = http.statusCode
        var outcome = Outcome(status: status)
        var proceed = false
        let length = http.expectedContentLength >= 0 ? http.expectedContentLength : nil
        if status == 206, offset > 0, let range = Self.contentRange(http.value(forHTTPHeaderField: "Content-Range")),
           range.start == offset {
            outcome.resumed = true
            outcome.expectedSize = range.total ?? length.map { offset + $0 }
            proceed = lseek(descriptor, off_t(offset), SEEK_SET) == off_t(offset)
        } else if status == 200 {
            outcome.expectedSize = length
            proceed = ftruncate(descriptor, 0) == 0 && lseek(descriptor, 0, SEEK_SET) == 0
        } else if status == 206 {
            // A range other than the one asked for: its bytes cannot be placed; the caller starts over.
            outcome.status = 416
        }
        if (status == 200 || outcome.resumed) && !proceed {
            outcome.failure = "cannot write the partial file: \(String(cString: strerror(errno)))"
        }
        state.withLock { $0 = outcome }
        written.withLock { $0 = outcome.resumed ? offset : 0 }
        completionHandler(proceed ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let ok = data.withUnsafeBytes { raw -> Bool in
            var done = 0
            while done < raw.count {
                let n = write(descriptor, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                done += n
            }
            return true
        }
        guard ok else {
            let reason = "cannot write the partial file: \(String(cString: strerror(errno)))"
            state.withLock { $0.failure = reason }
            dataTask.cancel()
            return
        }
        let total = written.withLock { $0 += Int64(data.count); return $0 }
        progress?(total, state.withLock { $0.expectedSize })
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error {
            state.withLock { outcome in
                // A cancellation after a refused response or a write error keeps that reason.
                if outcome.failure == nil, !(outcome.status.map { $0 != 200 && $0 != 206 } ?? false) {
                    outcome.failure = (error as? URLError).map(Self.describe) ?? error.localizedDescription
                }
            }
        }
        finished.signal()
    }

    /// `bytes <start>-<end>/<total or *>`.
    static func contentRange(_ header: String?) -> (start: Int64, total: Int64?)? {
        guard let header, header.hasPrefix("bytes ") else { return nil }
        let parts = header.dropFirst(6).split(separator: "/", maxSplits: 1)
        guard let span = parts.first, let dash = span.firstIndex(of: "-"), let start = Int64(span[..<dash]) else { return nil }
        return (start, parts.count == 2 ? Int64(parts[1]) : nil)
    }

    private static func describe(_ error: URLError) -> String {
        switch error.code {
        case .cannotConnectToHost: return "the server refused the connection (\(error.localizedDescription))"
        case .cannotFindHost, .dnsLookupFailed: return "the host name does not resolve (offline?)"
        case .notConnectedToInternet: return "no network connection"
        case .timedOut: return "no data arrived for too long (timed out)"
        case .networkConnectionLost: return "the connection broke off"
        default: return "\(error.localizedDescription) (URLError \(error.code.rawValue))"
        }
    }
}
