//! Integration tests of firebreak-report, one binary: an SVG snapshot per diagram and chart
//! kind, the renderers on a small document, Markdown in, and the PDF.

mod document;
mod event_tree;
mod fault_tree;
mod fishbone;
mod forensics;
mod fuzz;
mod pdf;
mod postmortem;
mod swiss_cheese;
mod updates;
mod whys;

/// Snapshots pin the exact SVG; a quick structural check first gives a readable failure when a
/// change breaks the document itself.
fn assert_svg_document(svg: &str) {
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("role=\"img\""));
    assert!(svg.contains("<title id=\"title\">"));
    assert!(svg.contains("<desc id=\"desc\">"));
    assert!(svg.ends_with("</svg>\n"));
    assert_eq!(
        svg.matches("<g>").count(),
        svg.matches("</g>").count(),
        "unbalanced groups"
    );
}
