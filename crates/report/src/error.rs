//! Why a document could not be built or rendered.

/// A refusal of the report crate, in words a template author or operator can act on.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ReportError {
    /// `![caption](figure:NAME)` named a figure the caller did not supply.
    #[error("the Markdown refers to figure `{name}`, but no figure has that name (known: {known})")]
    UnknownFigure { name: String, known: String },
    /// A document template does not parse or does not render.
    #[error("template `{name}`: {message}")]
    Template { name: String, message: String },
    /// The Markdown did not start with a heading to use as the document's title.
    #[error("the Markdown must start with a heading, the document's title")]
    MissingTitle,
    /// Typst refused the generated markup or could not write the PDF.
    #[cfg(feature = "pdf")]
    #[error("cannot render the PDF: {0}")]
    Pdf(String),
}
