extension PKIService {
    /// The prefix of every PKI record in the store (issuers, roles, the certificate inventory,
    /// revocations), for services that follow it with a watch (the boot server's CRLs).
    public static var storePrefix: [UInt8] { PKIKeys.key(PKIKeys.prefix) }
}
