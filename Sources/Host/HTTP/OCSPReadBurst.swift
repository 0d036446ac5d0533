import NIOCore

/// What an OCSP fast-path handler owes the channel at the end of a read burst, or after a gate
/// wait (outside any burst): a flush for the answers it wrote, and `channelReadComplete` for what
/// it passed on. A burst answered entirely from memory leaves the handlers behind it idle.
struct OCSPReadBurst {
    /// Answers were written and not flushed yet.
    var wrote = false
    /// Something was passed on since the last `channelReadComplete`.
    var passedOn = false

    mutating func finish(context: ChannelHandlerContext) {
        if wrote {
            wrote = false
            context.flush()
        }
        if passedOn {
            passedOn = false
            context.fireChannelReadComplete()
        }
    }
}
