extension AdminRoute {
    /// Every endpoint of the admin API, grouped as docs/admin-api.md groups them. A new route is
    /// added here, in the router, in docs/admin-api.md, and the OpenAPI document is regenerated
    /// (`KIBAN_REWRITE_GOLDEN=1 swift test --filter AdminContractTests`).
    public static let all: [AdminRoute] = cluster + kv + netboot + inventory + nodes + kubernetes + pki

    /// Status, membership, tokens and the audit log.
    static let cluster: [AdminRoute] = [
        .init("GET", "/v1/status", "This member's view of the cluster; with cluster=true, every member's own view."),
        .init("POST", "/v1/init", "Create a new one-member cluster with its CA."),
        .init("POST", "/v1/join", "Join a cluster with a join token."),
        .init("POST", "/v1/tokens", "Create a one-time join token for a new member."),
        .init("GET", "/v1/tokens", "List unused join tokens (never their secrets)."),
        .init("DELETE", "/v1/tokens/{id}", "Revoke a join token."),
        .init("GET", "/v1/members", "List the members."),
        .init("DELETE", "/v1/members/{name}", "Remove a member."),
        .init("POST", "/v1/members/transfer-leader", "Hand leadership to a member (or any)."),
        .init("POST", "/v1/members/promote", "Promote a caught-up learner to voter."),
        .init("PUT", "/v1/members/auto-promote", "Whether the leader promotes caught-up learners by itself."),
        .init("GET", "/v1/audit", "One page of the audit log."),
        .init("GET", "/v1/audit/retention", "The audit log's retention."),
        .init("PUT", "/v1/audit/retention", "Set the audit log's retention."),
    ]

    /// The key-value API, watches and backups.
    static let kv: [AdminRoute] = [
        .init("GET", "/v1/kv", "Read a key or a prefix."),
        .init("PUT", "/v1/kv", "Put a key, or compare-and-swap on its mod revision."),
        .init("DELETE", "/v1/kv", "Delete a key or a prefix."),
        .init("POST", "/v1/txn", "A transaction: compares, then one branch of operations."),
        .init("POST", "/v1/compact", "Forget the history before a revision."),
        .init("GET", "/v1/watch", "Stream changes to a key or prefix as NDJSON.", kind: .stream),
        .init("GET", "/v1/snapshot", "Stream a consistent backup file.", kind: .stream),
    ]

    /// DHCP, images, assets, templates and kernel parameters.
    static let netboot: [AdminRoute] = [
        .init("GET", "/v1/dhcp/settings", "The DHCP settings."),
        .init("PUT", "/v1/dhcp/settings", "Replace the DHCP settings."),
        .init("GET", "/v1/dhcp/leases", "The DHCP leases, optionally of one rack."),
        .init("GET", "/v1/dhcp/status", "This member's DHCP counters; with cluster=true, every member's."),
        .init("PUT", "/v1/images/{id}", "Upload an image: the kernel's bytes, then the initrd's.", kind: .upload),
        .init("GET", "/v1/images", "List the images, newest first."),
        .init("DELETE", "/v1/images/{id}", "Delete an image (leaves a tombstone)."),
        .init("GET", "/v1/role-images", "The roles assigned an image."),
        .init("PUT", "/v1/role-images/{role}", "Assign an image to a role."),
        .init("DELETE", "/v1/role-images/{role}", "Remove a role's image assignment."),
        .init("GET", "/v1/image-settings", "How many images are kept."),
        .init("PUT", "/v1/image-settings", "Set how many images are kept."),
        .init("PUT", "/v1/assets/{name}", "Upload an asset.", kind: .upload),
        .init("GET", "/v1/assets", "List the assets."),
        .init("GET", "/v1/assets/{name}", "One asset."),
        .init("DELETE", "/v1/assets/{name}", "Delete an asset."),
        .init("GET", "/v1/templates", "List template versions."),
        .init("GET", "/v1/templates/{role}", "A role's newest template, or one version."),
        .init("PUT", "/v1/templates/{role}", "Store a new template version for a role."),
        .init("DELETE", "/v1/templates/{role}", "Delete one template version."),
        .init("GET", "/v1/kernel-params", "Every role's kernel parameters."),
        .init("GET", "/v1/kernel-params/{role}", "A role's kernel parameters."),
        .init("PUT", "/v1/kernel-params/{role}", "Set a role's kernel parameters."),
        .init("GET", "/v1/image-kernel-params", "Every image's kernel parameters."),
        .init("GET", "/v1/image-kernel-params/{id}", "An image's kernel parameters."),
        .init("PUT", "/v1/image-kernel-params/{id}", "Set an image's kernel parameters."),
    ]

    /// Machines, IPAM and the inventory's audit records.
    static let inventory: [AdminRoute] = [
        .init("GET", "/v1/ipam", "The IPAM configuration."),
        .init("PUT", "/v1/ipam", "Set the IPAM configuration (JSON or YAML)."),
        .init("POST", "/v1/machines", "Import machines (JSON or YAML), all or nothing."),
        .init("GET", "/v1/machines", "Query machines."),
        .init("PUT", "/v1/machines/{serial}/state", "Change a machine's lifecycle state."),
        .init("PUT", "/v1/machines/{serial}/labels/{key}", "Set a machine's label."),
        .init("DELETE", "/v1/machines/{serial}/labels/{key}", "Remove a machine's label."),
        .init("PUT", "/v1/machines/{serial}/retire-date", "Set a machine's retire date."),
        .init("DELETE", "/v1/machines/{serial}", "Remove a retired machine."),
        .init("GET", "/v1/machines/{serial}/crypts", "The devices with escrowed disk keys (never the keys)."),
        .init("DELETE", "/v1/machines/{serial}/crypts", "Delete a retiring machine's disk keys."),
        .init("GET", "/v1/logs", "The inventory's audit records (sabakan's format)."),
        .init("GET", "/v1/logs/retention", "The audit log's retention (older name)."),
        .init("PUT", "/v1/logs/retention", "Set the audit log's retention (older name)."),
    ]

    /// Node tokens, checks and health.
    static let kubernetes: [AdminRoute] = [
        .init("PUT", "/v1/k8s/spec", "Set the Kubernetes cluster spec (YAML or JSON)."),
        .init("GET", "/v1/k8s/spec", "The Kubernetes cluster spec and its document."),
        .init("GET", "/v1/k8s/plan", "The installer planner's next steps, as a dry run."),
    ]

    static let nodes: [AdminRoute] = [
        .init("POST", "/v1/nodes/tokens", "Create a node enrollment token."),
        .init("GET", "/v1/nodes/tokens", "List unused node tokens."),
        .init("DELETE", "/v1/nodes/tokens/{id}", "Revoke a node token."),
        .init("GET", "/v1/nodes/checks/{role}", "A role's node checks."),
        .init("PUT", "/v1/nodes/checks/{role}", "Set a role's node checks (YAML or JSON)."),
        .init("GET", "/v1/nodes", "The nodes and their health."),
        .init("POST", "/v1/nodes/{serial}/revoke", "Revoke a machine's node certificate."),
        .init("POST", "/v1/nodes/operations/{serial}", "Queue operations for a machine's agent (YAML or JSON list)."),
        .init("GET", "/v1/nodes/operations/{serial}", "A machine's operations and their results."),
        .init("GET", "/v1/nodes/operations/{serial}/{id}", "One operation with its output."),
    ]

    /// Issuers, roles, certificates and CRLs.
    static let pki: [AdminRoute] = [
        .init("GET", "/v1/ca/issuers", "List the issuers, root first."),
        .init("POST", "/v1/ca/issuers", "Create an issuer."),
        .init("GET", "/v1/ca/issuers/{name}", "One issuer."),
        .init("POST", "/v1/ca/issuers/{name}/rotate", "Rotate an issuer to a new generation."),
        .init("GET", "/v1/ca/issuers/{name}/crl", "An issuer's signed CRL (DER, base64)."),
        .init("GET", "/v1/ca/roles", "Every role document."),
        .init("GET", "/v1/ca/roles/{name}", "One role document."),
        .init("PUT", "/v1/ca/roles/{name}", "Set a role document (YAML or JSON)."),
        .init("DELETE", "/v1/ca/roles/{name}", "Delete a role."),
        .init("POST", "/v1/ca/issue/{role}", "Issue a certificate and its key."),
        .init("POST", "/v1/ca/sign/{role}", "Sign a CSR."),
        .init("GET", "/v1/ca/certs", "List issued certificates."),
        .init("GET", "/v1/ca/certs/{serial}", "One certificate record."),
        .init("POST", "/v1/ca/certs/{serial}/revoke", "Revoke a certificate."),
        .init("GET", "/v1/ca/audit", "The PKI's audit entries."),
    ]
}
