// already ES2015: const, arrow functions, a class
const SELECTOR = ".card";
class Card {
  constructor(element) {
    this.element = element;
  }
  title() {
    return this.element.querySelector("h2").textContent;
  }
}
window.cards = () => Array.from(document.querySelectorAll(SELECTOR)).map((e) => new Card(e));
