/// The iPXE scripts the boot server hands out (https://ipxe.org/scripting), as pure functions.
public enum IPXEScript {
    /// `/boot/ipxe`: what DHCP points iPXE at. Chains to the machine's own script by SMBIOS
    /// serial; if that fails, says so and exits 1 so that firmware tries its next boot entry.
    public static func entry(baseURL: String) -> String {
        """
        #!ipxe
        echo Kiban: asking for the boot script of serial ${serial}
        chain --autofree \(baseURL)/boot/machines/${serial:uristring}/ipxe || goto failed
        :failed
        echo Kiban: no boot script for serial ${serial} - exiting to the next boot entry
        exit 1

        """
    }

    /// The script of a machine that must not boot from here: `reason` on the console, then `exit 1`
    /// (UEFI falls through to its next boot entry rather than to a menu).
    public static func refuse(_ reason: String) -> String {
        """
        #!ipxe
        echo Kiban: \(sanitized(reason))
        exit 1

        """
    }

    /// The script that boots `machine` with `image`: kernel with `kernelParams`, the
    /// serial and the URL of the machine's rendered configuration on its command line, then
    /// `enrollmentParams` (the node API and CA fingerprint for `kiban agent join --boot`), initrd.
    public static func boot(
        machine: BootMachine, image: ImageRecord, kernelParams: String, baseURL: String, enrollmentParams: String = ""
    ) -> String {
        let config = "\(baseURL)/boot/machines/\(machine.serial)/config"
        let params = [kernelParams, "kiban.serial=\(machine.serial)", "kiban.config=\(config)", enrollmentParams]
            .filter { !$0.isEmpty }.joined(separator: " ")
        return """
            #!ipxe
            echo Kiban: booting \(machine.serial) (role \(machine.role), rack \(machine.rack), index \(machine.index)) with image \(image.id)
            kernel \(baseURL)/boot/images/\(image.id)/kernel initrd=initrd \(sanitized(params)) || goto failed
            initrd --name initrd \(baseURL)/boot/images/\(image.id)/initrd || goto failed
            boot || goto failed
            :failed
            echo Kiban: booting image \(image.id) failed - exiting to the next boot entry
            exit 1

            """
    }

    /// One line of script: no line breaks, which would start a new command.
    static func sanitized(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
