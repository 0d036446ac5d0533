import Foundation

extension OCSPMemoryCache {
    /// A pre-signed (nonce-less) response held in memory.
    struct Response: Sendable {
        var der: [UInt8]
        /// The quoted SHA-256 ETag of `der`.
        var etag: String
        var thisUpdate: Date
        var nextUpdate: Date
        /// `thisUpdate` and `nextUpdate` as HTTP dates (Last-Modified, Expires), formatted once.
        var httpDates: (lastModified: String, expires: String)
        /// When the database was last read for it (or it was signed).
        var checkedAt: OCSPClock.Instant
        /// Its nextUpdate on the memory's clock: never answered past it.
        var expiresAt: OCSPClock.Instant
        /// The share of the revalidation period this response is trusted for, drawn from
        /// ``OCSPTuning/responseTrustShares``: responses read at the same moment (a warm-up, or the
        /// re-reads that follow one) then expire spread over a second or more rather than all at
        /// once, which sent them to the database together and was the p99 of a cached answer.
        var trustShare: Double
        /// Answered until then (its trust period from `checkedAt`, or `expiresAt` if sooner):
        /// lookups compare instants, no arithmetic.
        var trustedUntil: OCSPClock.Instant
        /// From then on, a lookup may have it re-read in the background.
        var refreshAt: OCSPClock.Instant
        /// Until then another request does not claim the re-read a request claimed.
        var refreshClaimedUntil: OCSPClock.Instant?

        /// - Parameters:
        ///   - checkedAt: when it was read or signed, on the memory's clock.
        ///   - validFor: the time left until `nextUpdate` at `checkedAt` (by the responder's wall clock).
        ///   - trustedFor: the memory's revalidation period.
        ///   - refreshShare: the share of its trust period after which it is re-read.
        init(
            der: [UInt8], etag: String, thisUpdate: Date, nextUpdate: Date, checkedAt: OCSPClock.Instant, validFor: Duration,
            trustShare: Double, trustedFor: Duration, refreshShare: Double
        ) {
            self.der = der
            self.etag = etag
            self.thisUpdate = thisUpdate
            self.nextUpdate = nextUpdate
            self.checkedAt = checkedAt
            expiresAt = checkedAt + validFor
            httpDates = (HTTPDate.format(thisUpdate), HTTPDate.format(nextUpdate))
            self.trustShare = trustShare
            (trustedUntil, refreshAt) = (checkedAt, checkedAt)
            trust(from: checkedAt, for: trustedFor, refreshShare: refreshShare)
        }

        /// Trusted again from `checkedAt` (a re-read found it unchanged).
        mutating func trust(from checkedAt: OCSPClock.Instant, for period: Duration, refreshShare: Double) {
            self.checkedAt = checkedAt
            let trusted = period * trustShare
            trustedUntil = min(checkedAt + trusted, expiresAt)
            refreshAt = checkedAt + trusted * refreshShare
            refreshClaimedUntil = nil
        }

        var answer: OCSPResponder.Answer {
            OCSPResponder.Answer(der: der, cacheWindow: (thisUpdate, nextUpdate), etag: etag, httpDates: httpDates)
        }
    }

    /// A certificate status held in memory (what a nonce request needs before it is signed).
    struct Status: Sendable {
        var status: OCSPCertStatus
        var checkedAt: OCSPClock.Instant
        /// Used until then (the revalidation period from `checkedAt`).
        var trustedUntil: OCSPClock.Instant
        /// From then on, a lookup may have it re-read in the background: a random share of the
        /// period, drawn from ``OCSPTuning/statusRefreshShares``.
        var refreshAt: OCSPClock.Instant
        /// Until then another request does not claim the re-read a request claimed.
        var refreshClaimedUntil: OCSPClock.Instant? = nil
    }

    /// A known status, and whether the caller should have it re-read in the background now.
    struct StatusLookup: Sendable, Equatable {
        var status: OCSPCertStatus
        var refresh: Bool
    }

    /// A stored response, and whether the caller should have it re-read in the background now.
    struct ResponseLookup: Sendable {
        var response: Response
        var refresh: Bool
    }

    /// `[UInt8]` hashed as one block (the standard `Hashable` feeds the hasher a byte at a time).
    struct Bytes: Hashable {
        var value: [UInt8]

        func hash(into hasher: inout Hasher) {
            value.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }
}
