import Testing
@testable import USVFormatNumPy
