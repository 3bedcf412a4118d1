//! Lexer and recursive-descent parser for ODK expressions (XPath 1.0 grammar, §3 of the
//! XPath recommendation, plus XLSForm's `${name}`). Errors carry the byte offset of the
//! problem and a message that says how to fix the expression.

use super::ast::{Axis, BinaryOp, Expr, LocationPath, NodeTest, Step};

/// Why an expression could not be parsed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (at byte {offset})")]
pub struct ParseError {
    /// Byte offset into the source where the problem starts.
    pub offset: usize,
    /// What is wrong and how to fix it.
    pub message: String,
    pub kind: ParseErrorKind,
}

/// The class of a parse error; its `code()` is stable across releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    UnexpectedCharacter,
    UnterminatedString,
    UnterminatedFieldRef,
    UnexpectedToken,
    UnexpectedEnd,
    UnknownAxis,
    Variable,
    TooDeep,
}

impl ParseError {
    pub fn code(&self) -> &'static str {
        match self.kind {
            ParseErrorKind::UnexpectedCharacter => "expr.unexpected_character",
            ParseErrorKind::UnterminatedString => "expr.unterminated_string",
            ParseErrorKind::UnterminatedFieldRef => "expr.unterminated_field_ref",
            ParseErrorKind::UnexpectedToken => "expr.unexpected_token",
            ParseErrorKind::UnexpectedEnd => "expr.unexpected_end",
            ParseErrorKind::UnknownAxis => "expr.unknown_axis",
            ParseErrorKind::Variable => "expr.variable",
            ParseErrorKind::TooDeep => "expr.too_deep",
        }
    }

    fn new(kind: ParseErrorKind, offset: usize, message: impl Into<String>) -> Self {
        ParseError {
            offset,
            message: message.into(),
            kind,
        }
    }
}

/// Nesting limit: deeper expressions are rejected instead of overflowing the stack
/// (no real form comes near it; fuzzers do).
const MAX_DEPTH: usize = 64;

/// Longest chain of same-level operators (`a + b + … `), which the evaluator walks
/// iteratively; the limit keeps printing and dropping the tree within the stack.
const MAX_CHAIN: usize = 1_000;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Number(f64),
    Literal(String),
    FieldRef(String),
    /// A QName or NCName that is not an operator name.
    Name(String),
    /// `prefix:*`.
    PrefixStar(String),
    /// `*` as a name test.
    Star,
    Op(BinaryOp),
    Minus,
    Slash,
    DoubleSlash,
    Dot,
    DotDot,
    At,
    Comma,
    LParen,
    RParen,
    LBracket,
    RBracket,
    ColonColon,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Number(n) => format!("number {n}"),
            Tok::Literal(s) => format!("string '{s}'"),
            Tok::FieldRef(s) => format!("${{{s}}}"),
            Tok::Name(s) => format!("name '{s}'"),
            Tok::PrefixStar(p) => format!("'{p}:*'"),
            Tok::Star => "'*'".into(),
            Tok::Op(op) => format!("'{}'", op.symbol()),
            Tok::Minus => "'-'".into(),
            Tok::Slash => "'/'".into(),
            Tok::DoubleSlash => "'//'".into(),
            Tok::Dot => "'.'".into(),
            Tok::DotDot => "'..'".into(),
            Tok::At => "'@'".into(),
            Tok::Comma => "','".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBracket => "'['".into(),
            Tok::RBracket => "']'".into(),
            Tok::ColonColon => "'::'".into(),
        }
    }
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c == '-' || c == '.' || c.is_numeric() || c == '\u{B7}'
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let bytes = src.as_bytes();
    let mut toks: Vec<(Tok, usize)> = Vec::new();
    let mut i = 0;
    while i < src.len() {
        let c = src[i..].chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        // XPath 1.0 §3.7: after a token that ends an operand, `*` multiplies and
        // `and`/`or`/`div`/`mod` are operators; elsewhere they are names.
        let operator_position = matches!(
            toks.last(),
            Some((
                Tok::Number(_)
                    | Tok::Literal(_)
                    | Tok::FieldRef(_)
                    | Tok::Name(_)
                    | Tok::PrefixStar(_)
                    | Tok::Star
                    | Tok::Dot
                    | Tok::DotDot
                    | Tok::RParen
                    | Tok::RBracket,
                _
            ))
        );
        let next = bytes.get(i + 1).copied();
        let tok = match c {
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            '[' => {
                i += 1;
                Tok::LBracket
            }
            ']' => {
                i += 1;
                Tok::RBracket
            }
            ',' => {
                i += 1;
                Tok::Comma
            }
            '@' => {
                i += 1;
                Tok::At
            }
            '|' => {
                i += 1;
                Tok::Op(BinaryOp::Union)
            }
            '+' => {
                i += 1;
                Tok::Op(BinaryOp::Add)
            }
            '-' => {
                i += 1;
                Tok::Minus
            }
            '=' => {
                i += 1;
                Tok::Op(BinaryOp::Eq)
            }
            '!' if next == Some(b'=') => {
                i += 2;
                Tok::Op(BinaryOp::Neq)
            }
            '<' if next == Some(b'=') => {
                i += 2;
                Tok::Op(BinaryOp::Lte)
            }
            '<' => {
                i += 1;
                Tok::Op(BinaryOp::Lt)
            }
            '>' if next == Some(b'=') => {
                i += 2;
                Tok::Op(BinaryOp::Gte)
            }
            '>' => {
                i += 1;
                Tok::Op(BinaryOp::Gt)
            }
            '/' if next == Some(b'/') => {
                i += 2;
                Tok::DoubleSlash
            }
            '/' => {
                i += 1;
                Tok::Slash
            }
            ':' if next == Some(b':') => {
                i += 2;
                Tok::ColonColon
            }
            '*' => {
                i += 1;
                if operator_position {
                    Tok::Op(BinaryOp::Mul)
                } else {
                    Tok::Star
                }
            }
            '"' | '\'' => {
                let Some(len) = src[i + 1..].find(c) else {
                    return Err(ParseError::new(
                        ParseErrorKind::UnterminatedString,
                        start,
                        format!("this text is never closed: add a matching {c} at its end"),
                    ));
                };
                let text = src[i + 1..i + 1 + len].to_string();
                i += len + 2;
                Tok::Literal(text)
            }
            '$' if next == Some(b'{') => {
                let Some(len) = src[i + 2..].find('}') else {
                    return Err(ParseError::new(
                        ParseErrorKind::UnterminatedFieldRef,
                        start,
                        "this field reference is never closed: write it as ${name}",
                    ));
                };
                let name = src[i + 2..i + 2 + len].trim();
                if name.is_empty()
                    || !name.starts_with(is_name_start)
                    || !name.chars().all(is_name_char)
                {
                    return Err(ParseError::new(
                        ParseErrorKind::UnexpectedCharacter,
                        start,
                        format!(
                            "'${{{name}}}' is not a field reference: put the name of a question between ${{ and }}"
                        ),
                    ));
                }
                i += len + 3;
                Tok::FieldRef(name.to_string())
            }
            '$' => {
                return Err(ParseError::new(
                    ParseErrorKind::Variable,
                    start,
                    "XPath variables are not supported: refer to a field as ${name}",
                ));
            }
            '.' if next == Some(b'.') => {
                i += 2;
                Tok::DotDot
            }
            '.' if next.is_some_and(|b| b.is_ascii_digit()) => {
                i += 1;
                while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                Tok::Number(src[start..i].parse().unwrap_or(f64::NAN))
            }
            '.' => {
                i += 1;
                Tok::Dot
            }
            '0'..='9' => {
                while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                if bytes.get(i) == Some(&b'.') && bytes.get(i + 1) != Some(&b'.') {
                    i += 1;
                    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                        i += 1;
                    }
                }
                Tok::Number(src[start..i].parse().unwrap_or(f64::NAN))
            }
            c if is_name_start(c) => {
                i = scan_ncname(src, i);
                // A prefix: `p:local` or `p:*`, but not `axis::`.
                if bytes.get(i) == Some(&b':') && bytes.get(i + 1) != Some(&b':') {
                    let after = src[i + 1..].chars().next();
                    if after == Some('*') {
                        let prefix = src[start..i].to_string();
                        i += 2;
                        toks.push((Tok::PrefixStar(prefix), start));
                        continue;
                    }
                    if after.is_some_and(is_name_start) {
                        i = scan_ncname(src, i + 1);
                    }
                }
                // Enketo and JavaRosa read `1mod2` and `1 and1` as operators: after an
                // operand, a name can only be an operator, so split a leading one.
                if operator_position {
                    for (word, op) in [
                        ("and", BinaryOp::And),
                        ("or", BinaryOp::Or),
                        ("div", BinaryOp::Div),
                        ("mod", BinaryOp::Mod),
                    ] {
                        let rest = src[start..i].strip_prefix(word);
                        if rest.is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit())) {
                            i = start + word.len();
                            toks.push((Tok::Op(op), start));
                            break;
                        }
                    }
                    if toks.last().is_some_and(|(_, o)| *o == start) {
                        continue;
                    }
                }
                let name = &src[start..i];
                let op = match name {
                    "and" => Some(BinaryOp::And),
                    "or" => Some(BinaryOp::Or),
                    "div" => Some(BinaryOp::Div),
                    "mod" => Some(BinaryOp::Mod),
                    _ => None,
                };
                match op {
                    Some(op) if operator_position => Tok::Op(op),
                    _ => Tok::Name(name.to_string()),
                }
            }
            other => {
                return Err(ParseError::new(
                    ParseErrorKind::UnexpectedCharacter,
                    start,
                    format!("'{other}' cannot appear here: remove it, or put text in quotes ('…')"),
                ));
            }
        };
        toks.push((tok, start));
    }
    Ok(toks)
}

fn scan_ncname(src: &str, mut i: usize) -> usize {
    for c in src[i..].chars() {
        if is_name_char(c) {
            i += c.len_utf8();
        } else {
            break;
        }
    }
    i
}

/// Parses one expression, e.g. `selected(${consent}, 'yes') and ${age} >= 18`.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let toks = lex(src)?;
    let mut parser = Parser {
        toks,
        pos: 0,
        end: src.len(),
        depth: 0,
    };
    if parser.toks.is_empty() {
        return Err(ParseError::new(
            ParseErrorKind::UnexpectedEnd,
            0,
            "the expression is empty: write an expression or leave the cell blank",
        ));
    }
    let expr = parser.expr()?;
    if let Some((tok, offset)) = parser.toks.get(parser.pos) {
        return Err(ParseError::new(
            ParseErrorKind::UnexpectedToken,
            *offset,
            format!(
                "unexpected {} after a complete expression: join the parts with an operator (and, or, +, =, …) or remove it",
                tok.describe()
            ),
        ));
    }
    Ok(expr)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn peek_at(&self, ahead: usize) -> Option<&Tok> {
        self.toks.get(self.pos + ahead).map(|(t, _)| t)
    }

    fn offset(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(_, o)| *o)
    }

    fn bump(&mut self) -> Option<Tok> {
        let tok = self.toks.get(self.pos).map(|(t, _)| t.clone());
        self.pos += 1;
        tok
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: Tok, fix: &str) -> Result<(), ParseError> {
        if self.eat(&tok) {
            Ok(())
        } else {
            Err(self.unexpected(fix))
        }
    }

    fn unexpected(&self, fix: &str) -> ParseError {
        match self.peek() {
            Some(tok) => ParseError::new(
                ParseErrorKind::UnexpectedToken,
                self.offset(),
                format!("unexpected {}: {fix}", tok.describe()),
            ),
            None => ParseError::new(
                ParseErrorKind::UnexpectedEnd,
                self.end,
                format!("the expression ends too early: {fix}"),
            ),
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::new(
                ParseErrorKind::TooDeep,
                self.offset(),
                format!(
                    "the expression nests more than {MAX_DEPTH} levels deep: split it into several calculations"
                ),
            ));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let result = self.binary(1);
        self.depth -= 1;
        result
    }

    /// Precedence climbing over the left-associative binary operators.
    fn binary(&mut self, min: u8) -> Result<Expr, ParseError> {
        if min > 6 {
            return self.unary();
        }
        let mut left = self.binary(min + 1)?;
        let mut chain = 0;
        loop {
            let op = match self.peek() {
                Some(Tok::Op(op)) if op.precedence() == min => *op,
                Some(Tok::Minus) if min == 5 => BinaryOp::Sub,
                _ => return Ok(left),
            };
            chain += 1;
            if chain > MAX_CHAIN {
                return Err(ParseError::new(
                    ParseErrorKind::TooDeep,
                    self.offset(),
                    format!(
                        "more than {MAX_CHAIN} operators in a row: split the expression into several calculations"
                    ),
                ));
            }
            self.pos += 1;
            let right = self.binary(min + 1)?;
            left = Expr::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.eat(&Tok::Minus) {
            self.enter()?;
            let inner = self.unary();
            self.depth -= 1;
            return Ok(Expr::Negate(Box::new(inner?)));
        }
        self.union()
    }

    fn union(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.path_expr()?;
        let mut chain = 0;
        while self.eat(&Tok::Op(BinaryOp::Union)) {
            chain += 1;
            if chain > MAX_CHAIN {
                return Err(ParseError::new(
                    ParseErrorKind::TooDeep,
                    self.offset(),
                    format!("more than {MAX_CHAIN} '|' in a row: split the expression"),
                ));
            }
            let right = self.path_expr()?;
            left = Expr::Binary {
                op: BinaryOp::Union,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Ok(left)
    }

    fn starts_step(&self) -> bool {
        match self.peek() {
            Some(Tok::Dot | Tok::DotDot | Tok::At | Tok::Star | Tok::PrefixStar(_)) => true,
            Some(Tok::Name(name)) => match self.peek_at(1) {
                Some(Tok::LParen) => is_node_type(name),
                _ => true,
            },
            _ => false,
        }
    }

    fn path_expr(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Some(Tok::Slash) => {
                self.pos += 1;
                let steps = if self.starts_step() {
                    self.relative_steps()?
                } else {
                    Vec::new()
                };
                Ok(Expr::Path(LocationPath {
                    absolute: true,
                    steps,
                }))
            }
            Some(Tok::DoubleSlash) => {
                self.pos += 1;
                let mut steps = vec![descendant_or_self()];
                steps.extend(self.relative_steps()?);
                Ok(Expr::Path(LocationPath {
                    absolute: true,
                    steps,
                }))
            }
            _ if self.starts_step() => Ok(Expr::Path(LocationPath {
                absolute: false,
                steps: self.relative_steps()?,
            })),
            _ => self.filter_expr(),
        }
    }

    fn filter_expr(&mut self) -> Result<Expr, ParseError> {
        let primary = self.primary()?;
        let predicates = self.predicates()?;
        let steps = match self.peek() {
            Some(Tok::Slash) => {
                self.pos += 1;
                self.relative_steps()?
            }
            Some(Tok::DoubleSlash) => {
                self.pos += 1;
                let mut steps = vec![descendant_or_self()];
                steps.extend(self.relative_steps()?);
                steps
            }
            _ => Vec::new(),
        };
        if predicates.is_empty() && steps.is_empty() {
            return Ok(primary);
        }
        Ok(Expr::Filter {
            primary: Box::new(primary),
            predicates,
            steps,
        })
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        match self.peek().cloned() {
            Some(Tok::Number(n)) => {
                self.pos += 1;
                Ok(Expr::Number(n))
            }
            Some(Tok::Literal(s)) => {
                self.pos += 1;
                Ok(Expr::Literal(s))
            }
            Some(Tok::FieldRef(name)) => {
                self.pos += 1;
                Ok(Expr::FieldRef(name))
            }
            Some(Tok::LParen) => {
                self.pos += 1;
                let inner = self.expr()?;
                self.expect(Tok::RParen, "close the parenthesis with ')'")?;
                Ok(inner)
            }
            Some(Tok::Name(name)) if self.peek_at(1) == Some(&Tok::LParen) => {
                self.pos += 2;
                let mut args = Vec::new();
                if !self.eat(&Tok::RParen) {
                    loop {
                        args.push(self.expr()?);
                        if self.eat(&Tok::RParen) {
                            break;
                        }
                        self.expect(
                            Tok::Comma,
                            &format!(
                                "separate the arguments of {name}() with ',' and close it with ')'"
                            ),
                        )?;
                    }
                }
                Ok(Expr::Call { name, args })
            }
            _ => Err(self.unexpected(
                "expected a value here: a number, 'text', ${name}, a path or a function call",
            )),
        }
    }

    fn predicates(&mut self) -> Result<Vec<Expr>, ParseError> {
        let mut out = Vec::new();
        while self.eat(&Tok::LBracket) {
            out.push(self.expr()?);
            self.expect(Tok::RBracket, "close the predicate with ']'")?;
        }
        Ok(out)
    }

    fn relative_steps(&mut self) -> Result<Vec<Step>, ParseError> {
        let mut steps = vec![self.step()?];
        loop {
            match self.peek() {
                Some(Tok::Slash) => {
                    self.pos += 1;
                    steps.push(self.step()?);
                }
                Some(Tok::DoubleSlash) => {
                    self.pos += 1;
                    steps.push(descendant_or_self());
                    steps.push(self.step()?);
                }
                _ => return Ok(steps),
            }
        }
    }

    fn step(&mut self) -> Result<Step, ParseError> {
        if self.eat(&Tok::Dot) {
            return self.abbreviated(Axis::SelfAxis);
        }
        if self.eat(&Tok::DotDot) {
            return self.abbreviated(Axis::Parent);
        }
        let axis = if self.eat(&Tok::At) {
            Axis::Attribute
        } else if let (Some(Tok::Name(name)), Some(Tok::ColonColon)) =
            (self.peek().cloned(), self.peek_at(1))
        {
            let Some(axis) = Axis::from_name(&name) else {
                return Err(ParseError::new(
                    ParseErrorKind::UnknownAxis,
                    self.offset(),
                    format!(
                        "'{name}' is not an XPath axis: use child, parent, self, ancestor, descendant, … or a plain path"
                    ),
                ));
            };
            self.pos += 2;
            axis
        } else {
            Axis::Child
        };
        let test = self.node_test()?;
        let predicates = self.predicates()?;
        Ok(Step {
            axis,
            test,
            predicates,
        })
    }

    /// `.` and `..`; ODK engines accept predicates after them, so we do too.
    fn abbreviated(&mut self, axis: Axis) -> Result<Step, ParseError> {
        Ok(Step {
            axis,
            test: NodeTest::Node,
            predicates: self.predicates()?,
        })
    }

    fn node_test(&mut self) -> Result<NodeTest, ParseError> {
        match self.bump() {
            Some(Tok::Star) => Ok(NodeTest::Wildcard { prefix: None }),
            Some(Tok::PrefixStar(p)) => Ok(NodeTest::Wildcard { prefix: Some(p) }),
            Some(Tok::Name(name)) => {
                if is_node_type(&name) && self.eat(&Tok::LParen) {
                    let test = match name.as_str() {
                        "node" => NodeTest::Node,
                        "text" => NodeTest::Text,
                        "comment" => NodeTest::Comment,
                        _ => match self.peek().cloned() {
                            Some(Tok::Literal(target)) => {
                                self.pos += 1;
                                NodeTest::ProcessingInstruction(Some(target))
                            }
                            _ => NodeTest::ProcessingInstruction(None),
                        },
                    };
                    self.expect(Tok::RParen, &format!("write {name}() with nothing inside"))?;
                    return Ok(test);
                }
                Ok(match name.split_once(':') {
                    Some((prefix, local)) => NodeTest::Name {
                        prefix: Some(prefix.to_string()),
                        local: local.to_string(),
                    },
                    None => NodeTest::Name {
                        prefix: None,
                        local: name,
                    },
                })
            }
            _ => {
                self.pos -= 1;
                Err(self.unexpected("expected a node name after '/', '@' or '::'"))
            }
        }
    }
}

fn is_node_type(name: &str) -> bool {
    matches!(name, "node" | "text" | "comment" | "processing-instruction")
}

fn descendant_or_self() -> Step {
    Step {
        axis: Axis::DescendantOrSelf,
        test: NodeTest::Node,
        predicates: Vec::new(),
    }
}
