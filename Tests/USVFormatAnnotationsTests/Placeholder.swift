import Testing
@testable import USVFormatAnnotations
