/// Files that operating systems leave behind and that no data set means to publish: the macOS folder-icon
/// file `Icon\r` (its name cannot exist on Windows), `.DS_Store`, AppleDouble `._*` files and `__MACOSX/`,
/// Windows' `Thumbs.db` and `desktop.ini`. Verification skips them unless asked to include them.
public enum OSArtefacts {
    public static func isArtefact(_ path: String) -> Bool {
        if path.hasPrefix("__MACOSX/") || path.contains("/__MACOSX/") { return true }
        let name = FilePaths.lastComponent(path)
        return name == "Icon\r" || name == ".DS_Store" || name == "Thumbs.db" || name == "desktop.ini"
            || name.hasPrefix("._")
    }
}
