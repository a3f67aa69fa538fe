import Testing
@testable import USVFormatTables
