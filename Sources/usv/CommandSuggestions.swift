import ArgumentParser
import Foundation
import USVCore

/// Catches a mistyped subcommand before ArgumentParser reads it as "unexpected arguments" (or `usv help X`
/// falls back to the top-level help): names the closest subcommand, exit 2.
enum CommandSuggestions {
    static var names: [String] {
        USVCommand.configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
    }

    /// The message for `arguments` (without the program name) when its command word is unknown, else nil.
    static func problem(with arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let known = names
        let word = first == "help" ? arguments.dropFirst().first { !$0.hasPrefix("-") } : first
        guard let word, !known.contains(word) else { return nil }
        let suggestion = closestName(to: word, among: known.filter { $0 != "help" }).map { "; did you mean '\($0)'?" } ?? ""
        return "usv: unknown command '\(word)'\(suggestion) (usv --help lists them)"
    }

    /// Exits with status 2 and the message when the command word is unknown.
    static func check(_ arguments: [String]) {
        guard let message = problem(with: arguments) else { return }
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(2)
    }
}
